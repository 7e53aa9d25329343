import {targetCommand} from '../cli/target-command.js'

export default targetCommand('restart', 'Restart instances; a scaled runner restarts one instance at a time (rolling).')
