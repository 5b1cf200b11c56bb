import {BaseCommand} from '../cli/base-command.js'
import {connectionFlags, serviceFlag, sourceFlag, watchFlag} from '../cli/flags.js'

export default class Discover extends BaseCommand<typeof Discover> {
  static override summary = 'Show every service instance Docker runs and every registration etcd/Consul holds, side by side'
  static override flags = {...connectionFlags, ...sourceFlag, ...serviceFlag, ...watchFlag}

  async run(): Promise<unknown> {
    return {services: [], sources: []}
  }
}
