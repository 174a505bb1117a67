import { randomUUID } from 'node:crypto';
import type { Tag } from '@aws-sdk/client-secrets-manager';
import { BackendFailure } from '@tokens/core';
import type { Calls } from './calls.js';
import { NAMESPACE_TAG, type SecretNames } from './names.js';

const LEGACY_SHAPE = /^(?:t|k\/(?:user|access|refresh|grant))\/[0-9a-f]{64}$/;

/**
 * 0.1.x kept the secrets of a store whose prefix does not end in `/` under
 * `<prefix><namespace>/`, a root another prefix and namespace can share (see names.ts). Such a
 * store moves them to its own root before its first operation: every secret listed under the old
 * root whose `tokens:namespace` tag is exactly this namespace (the tag filter matches by prefix,
 * and the other store sharing the old root has another namespace) and whose name has the exact
 * shape of ours is copied to the new name, value and version id unchanged (so compare-and-set and
 * claims carry on), then deleted. Copies never overwrite: a name that exists was moved already
 * (by this or another process), or written since; either way it is the newer one.
 *
 * Idempotent and resumable: a move cut off by the operation's deadline continues with the next
 * operation. Processes still running 0.1.x on the same prefix keep writing the old names: stop
 * them before starting this version.
 */
export async function moveLegacySecrets(
  calls: Calls,
  names: SecretNames,
  namespace: string,
  tags: Tag[],
  kmsKeyId: string | undefined,
): Promise<number> {
  const legacyRoot = names.legacyRoot;
  if (legacyRoot === undefined) return 0;
  const listed = await calls.listTagged([
    { Key: 'name', Values: [legacyRoot] },
    { Key: 'tag-key', Values: [NAMESPACE_TAG] },
    { Key: 'tag-value', Values: [namespace] },
  ]);
  const ours = listed.filter(
    (secret) =>
      secret.name.startsWith(legacyRoot) &&
      LEGACY_SHAPE.test(secret.name.slice(legacyRoot.length)) &&
      secret.tags.some((tag) => tag.Key === NAMESPACE_TAG && tag.Value === namespace),
  );
  // Tokens first, as in clear(): an index whose token is not there yet only makes a lookup miss.
  ours.sort((a, b) => Number(isIndex(a.name, legacyRoot)) - Number(isIndex(b.name, legacyRoot)));
  let moved = 0;
  for (let i = 0; i < ours.length; i += 5) {
    await Promise.all(
      ours.slice(i, i + 5).map(async ({ name }) => {
        const secret = await calls.get(name);
        if (secret && secret.value !== undefined) {
          const target = names.root + name.slice(legacyRoot.length);
          const created = await calls.create(target, secret.value, secret.versionId ?? randomUUID(), tags, kmsKeyId);
          // Not created: moved already (fine), or the new name is still reserved by a deletion
          // on AWS; then keep the old secret and try again with the next operation.
          if (!created && !(await calls.get(target))) {
            throw new BackendFailure('UNAVAILABLE', 'moving secrets from the 0.1.x layout: a new name is still reserved by a deletion');
          }
          moved++;
        }
        await calls.delete(name, undefined);
      }),
    );
  }
  return moved;
}

function isIndex(name: string, root: string): boolean {
  return name.startsWith(`${root}k/`);
}
