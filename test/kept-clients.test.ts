import { keptClients } from '../src/aws/clients';

const creds = (n: number) => ({
  accessKeyId: `AKID${n}`,
  secretAccessKey: `secret${n}`,
  sessionToken: `t${n}`,
});

test('warm invocations with the same credentials reuse their clients; new credentials get new ones', () => {
  const a = keptClients({ region: 'us-east-1', credentials: creds(1) });
  expect(keptClients({ region: 'us-east-1', credentials: creds(1) })).toBe(a);
  expect(keptClients({ region: 'eu-west-1', credentials: creds(1) })).not.toBe(a);
  expect(keptClients({ region: 'us-east-1', credentials: { ...creds(1), sessionToken: 'other' } })).not.toBe(
    a,
  );
});

test('a sandbox keeps the four sets of clients used last and destroys older ones', () => {
  const first = keptClients({ region: 'us-west-2', credentials: creds(10) });
  const destroyed = jest.spyOn(first.elbv2, 'destroy');
  for (let n = 11; n <= 14; n++) keptClients({ region: 'us-west-2', credentials: creds(n) });
  expect(destroyed).toHaveBeenCalled();
  expect(keptClients({ region: 'us-west-2', credentials: creds(10) })).not.toBe(first);
  // Used again, a set moves to the back of the queue.
  const recent = keptClients({ region: 'us-west-2', credentials: creds(12) });
  keptClients({ region: 'us-west-2', credentials: creds(15) });
  expect(keptClients({ region: 'us-west-2', credentials: creds(12) })).toBe(recent);
});
