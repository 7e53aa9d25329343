import {targetCommand} from '../cli/target-command.js'

export default targetCommand('stop', 'Stop instances and keep them stopped (the stack stays up).')
