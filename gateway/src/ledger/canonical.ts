/** The canonical JSON and its hash live in the protocol: kiosks hash their journal with them too. */
export { canonicalJson, sha256Hex } from '@loyalty/protocol';
