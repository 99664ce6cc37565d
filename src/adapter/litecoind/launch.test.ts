import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../support/errors.ts';
import { litecoindArgs, litecoindProcess } from './launch.ts';
import { rpcCredentials } from './rpc-auth.ts';

const credentials = rpcCredentials();
const endpoints = {
  bindHost: '127.0.0.1',
  apiPort: 30001,
  p2pPort: 30002,
  dataDir: '/tmp/x/ltc-0',
  peers: [
    { host: '127.0.0.1', p2pPort: 30004 },
    { host: '127.0.0.1', p2pPort: 30006 },
  ],
};

describe('litecoind launch', () => {
  it('dials exactly the given peers and nothing else', () => {
    const args = litecoindArgs(endpoints, { credentials });
    expect(args.filter((a) => a.startsWith('-connect='))).toEqual([
      '-connect=127.0.0.1:30004',
      '-connect=127.0.0.1:30006',
    ]);
    for (const off of ['-discover=0', '-dnsseed=0', '-listenonion=0', '-upnp=0', '-listen=1']) {
      expect(args).toContain(off);
    }
    expect(args.some((a) => a.startsWith('-addnode') || a.startsWith('-seednode'))).toBe(false);
    // peers behind a link proxy learn the node's name from its user agent
    expect(args.filter((a) => a.startsWith('-uacomment'))).toEqual([]);
    expect(litecoindArgs({ ...endpoints, name: 'val-0' }, { credentials })).toContain('-uacomment=val-0');
    // no peers must not mean "automatic outbound connections"
    expect(
      litecoindArgs({ ...endpoints, peers: [] }, { credentials }).filter((a) => a.startsWith('-connect')),
    ).toEqual(['-connect=0']);
  });

  it('binds RPC and P2P to the given host and ports, with hashed credentials only', () => {
    const args = litecoindArgs(endpoints, { credentials });
    expect(args).toEqual(
      expect.arrayContaining([
        '-regtest',
        '-datadir=/tmp/x/ltc-0',
        '-rpcbind=127.0.0.1:30001',
        '-rpcallowip=127.0.0.1',
        '-bind=127.0.0.1:30002',
        '-port=30002',
        `-rpcauth=${credentials.rpcauth}`,
        '-printtoconsole=1',
        '-fallbackfee=0.00020000',
        '-minrelaytxfee=0.00001000',
        '-whitelist=noban@127.0.0.1',
      ]),
    );
    expect(args.join(' ')).not.toContain(credentials.password);
    // in a container RPC is reached through the engine's port mapping
    const inContainer = litecoindArgs(
      { ...endpoints, bindHost: '0.0.0.0', dataDir: '/data' },
      { credentials, relay: 'trickle' },
    );
    expect(inContainer).toContain('-rpcallowip=0.0.0.0/0');
    expect(inContainer.some((a) => a.startsWith('-whitelist'))).toBe(false);
    expect(litecoindProcess(endpoints, { credentials })).toMatchObject({
      command: '/usr/lib/litecoin/litecoind',
      cwd: '/tmp/x/ltc-0',
    });
  });

  it('refuses bad options naming each one', () => {
    const error = (() => {
      try {
        litecoindArgs(endpoints, {
          credentials,
          relay: 'fast' as never,
          fallbackFeePerKvb: -1n,
          extraArgs: ['txindex'],
        });
      } catch (e) {
        return e;
      }
    })();
    expect(ConfigError.is(error)).toBe(true);
    expect((error as ConfigError).issues.map((i) => i.path)).toEqual([
      'relay',
      'fallbackFeePerKvb',
      'extraArgs[0]',
    ]);
    expect((error as ConfigError).message).toContain('relay: got "fast", allowed: \'immediate\'');
  });
});
