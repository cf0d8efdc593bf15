// A real OpenID Connect provider for the single sign-on tests: the
// certified `oidc-provider` package on a loopback port, with one client
// (foljupp) and test accounts whose claims the test passes in.
//
//   node provider.js REDIRECT_URI
//   env FOLJUPP_TEST_OIDC_USERS='{"anna":{"foljupp_role":"registrant","foljupp_district":"farsta"}}'
//   env FOLJUPP_TEST_OIDC_ID_TOKEN_CLAIMS=1  put the scope's claims in the ID
//       token too (otherwise they are only in the userinfo response)
//
// Prints one line of JSON, {"issuer": "http://127.0.0.1:PORT"}, once it
// listens; the login page is oidc-provider's development interaction (any
// password is accepted: the accounts are the test's). Stops when its
// standard input closes, so a test that dies cannot leave it running.
import http from 'node:http';
import Provider from 'oidc-provider';

// Standard output carries only the one line the test reads (and the test
// stops reading after it): the provider's own notices go to standard error.
console.log = console.error;
console.info = console.error;

const redirectUri = process.argv[2];
if (!redirectUri) {
  console.error('usage: node provider.js REDIRECT_URI');
  process.exit(2);
}
const users = JSON.parse(process.env.FOLJUPP_TEST_OIDC_USERS || '{}');
const idTokenClaims = process.env.FOLJUPP_TEST_OIDC_ID_TOKEN_CLAIMS === '1';

const server = http.createServer();
server.listen(0, '127.0.0.1', () => {
  const { port } = server.address();
  const issuer = `http://127.0.0.1:${port}`;
  const provider = new Provider(issuer, {
    clients: [{
      client_id: 'foljupp',
      client_secret: 'foljupp-test-secret',
      redirect_uris: [redirectUri],
      grant_types: ['authorization_code'],
      response_types: ['code'],
      token_endpoint_auth_method: 'client_secret_basic',
    }],
    // Refuse an authorization request without PKCE: the test then proves
    // that foljupp sends it.
    pkce: { required: () => true },
    claims: {
      openid: ['sub'],
      profile: ['preferred_username', 'name'],
      foljupp: ['foljupp_role', 'foljupp_district'],
    },
    conformIdTokenClaims: !idTokenClaims,
    cookies: { keys: ['foljupp-test-cookie-key'] },
    features: { devInteractions: { enabled: true } },
    async findAccount(_ctx, id) {
      if (!Object.hasOwn(users, id)) return undefined;
      return {
        accountId: id,
        async claims() {
          return { sub: id, preferred_username: id, name: id, ...users[id] };
        },
      };
    },
    // A first-party client: the consent screen is skipped by granting what
    // was asked for.
    async loadExistingGrant(ctx) {
      const grant = new ctx.oidc.provider.Grant({
        clientId: ctx.oidc.client.clientId,
        accountId: ctx.oidc.session.accountId,
      });
      grant.addOIDCScope('openid profile foljupp');
      grant.addOIDCClaims(['preferred_username', 'name', 'foljupp_role', 'foljupp_district']);
      await grant.save();
      return grant;
    },
  });
  server.on('request', provider.callback());
  process.stdout.write(`${JSON.stringify({ issuer })}\n`);
});
process.stdin.resume();
process.stdin.on('end', () => process.exit(0));
