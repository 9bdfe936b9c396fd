/**
 * Agent releases (docs/fleet.md "Agent updates"): operators upload signed tarballs; kiosks
 * download the one an update_agent command names. The download needs no token — a release is
 * signed code with no secrets, and kiosks have no API tokens — and is limited per address like
 * every route.
 */
import type { Hono } from 'hono';
import { z } from 'zod';
import { ReleaseSignature, ReleaseVersion } from '@loyalty/protocol';
import type { AuthEnv } from '../auth.js';
import type { AppDeps } from '../deps.js';
import { HttpError } from '../errors.js';
import { defineRoute, type RouteRegistry } from '../route.js';
import { ReleaseList, ReleaseView } from '../schemas.js';

const VersionParam = z.object({ version: ReleaseVersion });
const TARBALL = 'application/gzip';

export function releaseRoutes(api: Hono<AuthEnv>, routes: RouteRegistry, deps: Pick<AppDeps, 'releases' | 'maxReleaseBytes'>): void {
  defineRoute(
    api,
    routes,
    {
      method: 'post',
      path: '/releases',
      operationId: 'uploadRelease',
      summary: 'Upload a signed agent release tarball (npm run admin -- release upload); kept only if a release key of this gateway signed it',
      roles: ['admin'],
      query: z.object({ version: ReleaseVersion, signature: ReleaseSignature }),
      binaryBody: TARBALL,
      response: ReleaseView,
      status: 201,
      errors: ['release_exists', 'release_signature_invalid', 'releases_not_configured'],
    },
    async (c, { query, actor }) => {
      const length = Number(c.req.header('content-length') ?? 0);
      if (length > deps.maxReleaseBytes) throw new HttpError(413, 'payload_too_large', `the release is larger than ${deps.maxReleaseBytes} bytes (fleet.maxReleaseBytes)`);
      return deps.releases.upload(query.version, query.signature, c.req.raw.body, actor);
    },
  );
  defineRoute(api, routes, { method: 'get', path: '/releases', operationId: 'listReleases', summary: 'Uploaded agent releases, newest first', roles: ['viewer'], response: ReleaseList }, async () => ({
    items: await deps.releases.list(),
    nextCursor: null,
  }));
  defineRoute(
    api,
    routes,
    {
      method: 'get',
      path: '/releases/:version',
      operationId: 'getRelease',
      summary: 'One release: size, SHA-256 and signature',
      roles: ['viewer'],
      params: VersionParam,
      response: ReleaseView,
      errors: ['release_not_found'],
    },
    async (_c, { params }) => deps.releases.get(params.version),
  );
}

/** The tarball itself, for kiosks (no token). */
export function releaseDownloadRoute(open: Hono<AuthEnv>, routes: RouteRegistry, deps: Pick<AppDeps, 'releases'>): void {
  defineRoute(
    open,
    routes,
    {
      method: 'get',
      path: '/releases/:version/agent.tgz',
      operationId: 'downloadRelease',
      summary: 'A release tarball, for the kiosks an update_agent command names it to (they verify it with their own release keys)',
      roles: 'none',
      params: VersionParam,
      response: z.unknown(),
      binaryResponse: TARBALL,
      errors: ['release_not_found'],
    },
    async (_c, { params }) => {
      const { release, stream } = await deps.releases.open(params.version);
      return new Response(stream, { headers: { 'content-type': TARBALL, 'content-length': String(release.size), 'cache-control': 'no-store' } });
    },
  );
}
