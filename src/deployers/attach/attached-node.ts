/**
 * The `attach` deployer's node: an existing node reached by its API URL. chainlab did not
 * start it and cannot control it, so every control call throws `CapabilityError` at once.
 */
import { CapabilityError } from '../../support/errors.ts';
import type { DeployedNode, ExitInfo, NodeControl, NodeState } from '../deployer.ts';

/** The attach deployer supports no node control. */
export const attachControls: ReadonlySet<NodeControl> = new Set<NodeControl>();

const hint = 'it only observes nodes it did not start; use the local or docker deployer for node control';

export class AttachedNode implements DeployedNode {
  readonly name: string;
  readonly apiUrl: string;
  readonly logFile = undefined;
  readonly pid = undefined;
  readonly state: NodeState = 'running';

  constructor(name: string, apiUrl: string) {
    this.name = name;
    this.apiUrl = apiUrl.replace(/\/+$/, '');
  }

  #refuse(capability: string): never {
    throw new CapabilityError(capability, 'attach', hint);
  }

  async stop(): Promise<ExitInfo | undefined> {
    this.#refuse('stop');
  }
  async kill(): Promise<ExitInfo | undefined> {
    this.#refuse('kill');
  }
  async start(): Promise<void> {
    this.#refuse('start');
  }
  async pause(): Promise<void> {
    this.#refuse('pause');
  }
  async resume(): Promise<void> {
    this.#refuse('resume');
  }
  async logTail(): Promise<string> {
    return '';
  }
  onUnexpectedExit(): Disposable {
    return { [Symbol.dispose]: () => {} };
  }
}
