"""A Flask app signing in with Authlib's Flask client, as Authlib's documentation shows it.

Settings: client id and secret, the provider's discovery URL (server_metadata_url) and the scope;
everything else is Authlib's default (authorization code, client_secret_basic, a nonce, no PKCE).
The person is read from token['userinfo'], the ID token's claims that authorize_access_token()
parses and checks. Configured by the environment: ISSUER, CLIENT_ID, CLIENT_SECRET, PORT.
"""
import os
import secrets

from authlib.integrations.flask_client import OAuth
from flask import Flask, jsonify, redirect, session, url_for

app = Flask(__name__)
app.secret_key = secrets.token_hex(32)

oauth = OAuth(app)
oauth.register(
    name='passkeyid',
    client_id=os.environ['CLIENT_ID'],
    client_secret=os.environ['CLIENT_SECRET'],
    server_metadata_url=os.environ['ISSUER'] + '/.well-known/openid-configuration',
    client_kwargs={'scope': 'openid profile email'},
)


@app.route('/')
def home():
    user = session.get('user')
    if not user:
        return redirect(url_for('login'))
    return jsonify(name=user.get('name'), email=user.get('email'), preferred_username=user.get('preferred_username'))


@app.route('/login')
def login():
    return oauth.passkeyid.authorize_redirect(url_for('auth', _external=True))


@app.route('/auth')
def auth():
    token = oauth.passkeyid.authorize_access_token()
    session['user'] = token['userinfo']
    return redirect('/')


if __name__ == '__main__':
    app.run(host='127.0.0.1', port=int(os.environ['PORT']))
