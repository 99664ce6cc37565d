/**
 * A node's API on the test machine: a loopback TCP listener whose connections are each
 * forwarded to the node's pod through the API server (pods/portforward). The local port
 * stays while pods come and go, so a node keeps one API URL across restarts.
 */
import { createServer, type Server, type Socket } from 'node:net';
import type { K8sApi } from './k8s-api.ts';

export class PortForwarder {
  readonly #server: Server;
  readonly #sockets = new Set<Socket>();
  #closed: Promise<void> | undefined;

  private constructor(api: K8sApi, namespace: string, pod: () => string, targetPort: number) {
    this.#server = createServer((socket) => {
      this.#sockets.add(socket);
      socket.on('close', () => this.#sockets.delete(socket));
      socket.on('error', () => {});
      // a pod that is gone or not running refuses: the client sees a reset connection
      api.forward(namespace, pod(), targetPort, socket).catch(() => socket.destroy());
    });
    // a forwarder must not keep the test process alive
    this.#server.unref();
  }

  /**
   * Listens on 127.0.0.1 (a free port) and forwards to `targetPort` of the pod that
   * `pod()` names at the time of each connection.
   */
  static async open(api: K8sApi, namespace: string, pod: () => string, targetPort: number) {
    const forwarder = new PortForwarder(api, namespace, pod, targetPort);
    await new Promise<void>((resolve, reject) => {
      forwarder.#server.once('error', reject);
      forwarder.#server.listen({ host: '127.0.0.1', port: 0 }, () => resolve());
    });
    return forwarder;
  }

  /** `http://127.0.0.1:<port>`. */
  get url(): string {
    const address = this.#server.address();
    return `http://127.0.0.1:${typeof address === 'object' && address !== null ? address.port : 0}`;
  }

  /** Stops listening and drops open connections. Idempotent. */
  close(): Promise<void> {
    this.#closed ??= new Promise<void>((resolve) => {
      for (const socket of this.#sockets) socket.destroy();
      this.#server.close(() => resolve());
    });
    return this.#closed;
  }
}
