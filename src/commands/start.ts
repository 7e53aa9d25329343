import {targetCommand} from '../cli/target-command.js'

export default targetCommand('start', 'Start stopped instances of a stack that is up.')
