/**
 * An Express app signing in with passport-openidconnect, as its README shows it: the strategy
 * with the provider's endpoints (this library has no discovery; they are read once from the
 * discovery document, as a developer would copy them), express-session for its state, and a
 * verify callback that keeps `profile.displayName` and `profile.emails`. `/` answers that user as
 * JSON, or 401; a failed sign-in lands on /failed with the strategy's message. Run as a child:
 *   ISSUER=… CLIENT_ID=… CLIENT_SECRET=… PORT=… node test/compat/apps/passport-server.ts
 */
import express from 'express';
import session from 'express-session';
import passport from 'passport';
import OpenIDConnectStrategy from 'passport-openidconnect';
import { randomBytes } from 'node:crypto';

const { ISSUER, CLIENT_ID, CLIENT_SECRET, PORT } = process.env;
if (!ISSUER || !CLIENT_ID || !CLIENT_SECRET || !PORT) throw new Error('set ISSUER, CLIENT_ID, CLIENT_SECRET and PORT');
const origin = `http://127.0.0.1:${PORT}`;

interface AppUser {
  displayName: string;
  emails: Array<{ value: string }>;
}

const discovery = (await (await fetch(`${ISSUER}/.well-known/openid-configuration`)).json()) as Record<string, string>;

passport.use(
  new OpenIDConnectStrategy(
    {
      issuer: ISSUER,
      authorizationURL: discovery['authorization_endpoint']!,
      tokenURL: discovery['token_endpoint']!,
      userInfoURL: discovery['userinfo_endpoint']!,
      clientID: CLIENT_ID,
      clientSecret: CLIENT_SECRET,
      callbackURL: `${origin}/oauth2/redirect`,
      // Its default is "openid" alone.
      scope: ['profile', 'email'],
    },
    (_issuer: string, profile: passport.Profile, done: (error: null, user: AppUser) => void) => {
      done(null, { displayName: profile.displayName, emails: (profile.emails ?? []).map(({ value }) => ({ value })) });
    },
  ),
);
passport.serializeUser((user, done) => done(null, user));
passport.deserializeUser((user: AppUser, done) => done(null, user));

const app = express();
app.use((request, _response, next) => {
  console.log(`${request.method} ${request.path}`);
  next();
});
app.use(session({ secret: randomBytes(32).toString('hex'), resave: false, saveUninitialized: false }));
app.use(passport.authenticate('session'));

app.get('/login', passport.authenticate('openidconnect'));
app.get('/oauth2/redirect', passport.authenticate('openidconnect', { successRedirect: '/', failureRedirect: '/failed', failureMessage: true }));
app.get('/failed', (request, response) => {
  const messages = (request.session as unknown as { messages?: string[] }).messages ?? [];
  console.error(`sign-in failed: ${messages.join('; ')}`);
  response.status(401).json({ error: 'sign-in failed', messages });
});
app.get('/', (request, response) => {
  if (!request.user) return response.status(401).json({ error: 'not signed in' });
  response.json(request.user);
});
app.use((error: Error, _request: express.Request, response: express.Response, _next: express.NextFunction) => {
  console.error(error);
  response.status(500).json({ error: error.message });
});

const server = app.listen(Number(PORT), '127.0.0.1', () => console.log(`passport app on ${origin}`));
process.on('SIGTERM', () => server.close(() => process.exit(0)));
