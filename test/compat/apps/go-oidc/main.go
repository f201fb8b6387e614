// A Go web app signing in with go-oidc and golang.org/x/oauth2, as go-oidc's README and its
// example/idtoken show it: discovery with oidc.NewProvider, an oauth2.Config with the provider's
// endpoint and the scopes, AuthCodeURL(state), Exchange, then the ID token verified and its
// claims read. The state is random per sign-in and kept in a cookie (the example's is a constant).
// Built from Debian's packages (GOPATH mode, no module download). Configured by the environment:
// ISSUER, CLIENT_ID, CLIENT_SECRET, PORT. /callback answers the ID token's name and email as JSON.
package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"log"
	"net/http"
	"os"

	oidc "github.com/coreos/go-oidc"
	"golang.org/x/oauth2"
)

func main() {
	ctx := context.Background()
	origin := "http://127.0.0.1:" + os.Getenv("PORT")
	provider, err := oidc.NewProvider(ctx, os.Getenv("ISSUER"))
	if err != nil {
		log.Fatal(err)
	}
	verifier := provider.Verifier(&oidc.Config{ClientID: os.Getenv("CLIENT_ID")})
	config := oauth2.Config{
		ClientID:     os.Getenv("CLIENT_ID"),
		ClientSecret: os.Getenv("CLIENT_SECRET"),
		Endpoint:     provider.Endpoint(),
		RedirectURL:  origin + "/callback",
		Scopes:       []string{oidc.ScopeOpenID, "profile", "email"},
	}

	http.HandleFunc("/login", func(w http.ResponseWriter, r *http.Request) {
		random := make([]byte, 16)
		if _, err := rand.Read(random); err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		state := hex.EncodeToString(random)
		http.SetCookie(w, &http.Cookie{Name: "state", Value: state, Path: "/", HttpOnly: true})
		http.Redirect(w, r, config.AuthCodeURL(state), http.StatusFound)
	})

	http.HandleFunc("/callback", func(w http.ResponseWriter, r *http.Request) {
		fail := func(status int, message string) {
			log.Print(message)
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(status)
			json.NewEncoder(w).Encode(map[string]string{"error": message})
		}
		state, err := r.Cookie("state")
		if err != nil || r.URL.Query().Get("state") != state.Value {
			fail(http.StatusBadRequest, "state did not match: "+r.URL.RawQuery)
			return
		}
		token, err := config.Exchange(ctx, r.URL.Query().Get("code"))
		if err != nil {
			fail(http.StatusInternalServerError, "Failed to exchange token: "+err.Error())
			return
		}
		rawIDToken, ok := token.Extra("id_token").(string)
		if !ok {
			fail(http.StatusInternalServerError, "No id_token field in oauth2 token.")
			return
		}
		idToken, err := verifier.Verify(ctx, rawIDToken)
		if err != nil {
			fail(http.StatusInternalServerError, "Failed to verify ID Token: "+err.Error())
			return
		}
		var claims struct {
			Name  string `json:"name"`
			Email string `json:"email"`
		}
		if err := idToken.Claims(&claims); err != nil {
			fail(http.StatusInternalServerError, err.Error())
			return
		}
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(claims)
	})

	log.Printf("go-oidc app on %s", origin)
	log.Fatal(http.ListenAndServe("127.0.0.1:"+os.Getenv("PORT"), nil))
}
