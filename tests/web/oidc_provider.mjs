// A real OpenID Connect provider for the sign-in tests: panva's oidc-provider (npm), which
// scripts/test.sh installs into .cache/oidc. Started by tests/web/oidc.py as
//
//   node tests/web/oidc_provider.mjs '<settings JSON>'
//
// with settings {clients: [...], accounts: {id: claims}, idTokenTtl: {clientId: seconds}}.
// It listens on a free port of 127.0.0.1 and prints "ready <issuer URL>" when it answers.
// The interaction is a tiny one of our own instead of the provider's HTML forms: the test
// opens the interaction page with ?account=<id>, as a person would log in there, and the
// provider signs that account in, grants what the client asked for and carries on to the
// client's redirect URI. PKCE (S256) is required of every client.
import http from "node:http";
import { createRequire } from "node:module";
import path from "node:path";

const require = createRequire(path.resolve(process.env.OIDC_PROVIDER_MODULES, "x.js"));
const { default: Provider } = await import(require.resolve("oidc-provider"));

const settings = JSON.parse(process.argv[2]);
const server = http.createServer();
await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
const issuer = `http://127.0.0.1:${server.address().port}`;

const provider = new Provider(issuer, {
  clients: settings.clients,
  pkce: { required: () => true },
  features: { devInteractions: { enabled: false } },
  scopes: ["openid", "email", "profile", "groups"],
  claims: {
    openid: ["sub"],
    email: ["email", "email_verified"],
    profile: ["name"],
    groups: ["groups"],
  },
  ttl: {
    IdToken: (ctx, token, client) => settings.idTokenTtl?.[client.clientId] ?? 3600,
  },
  async findAccount(ctx, id) {
    const claims = settings.accounts[id];
    if (!claims) return undefined;
    return { accountId: id, claims: async () => ({ sub: id, ...claims }) };
  },
});

provider.use(async (ctx, next) => {
  const match = ctx.path.match(/^\/interaction\/([\w-]+)$/);
  if (!match || ctx.method !== "GET") return next();
  const details = await provider.interactionDetails(ctx.req, ctx.res);
  const accountId = ctx.query.account;
  if (!settings.accounts[accountId]) {
    ctx.status = 400;
    ctx.body = `no test account ${accountId}`;
    return undefined;
  }
  const grant = new provider.Grant({ accountId, clientId: details.params.client_id });
  grant.addOIDCScope(details.params.scope);
  const result = { login: { accountId }, consent: { grantId: await grant.save() } };
  ctx.redirect(await provider.interactionResult(ctx.req, ctx.res, result));
  return undefined;
});

server.on("request", provider.callback());
console.log(`ready ${issuer}`);
