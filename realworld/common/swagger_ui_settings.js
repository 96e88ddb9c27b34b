{
  persistAuthorization: true,
  plugins: [
    // The API wants `Authorization: Token <jwt>`, and people paste the bare JWT into the
    // Authorize dialog: add the `Token ` prefix (or swap a `Bearer ` one) before it is stored.
    () => ({
      statePlugins: {
        auth: {
          wrapActions: {
            authorize: (authorize) => (payload) => {
              const entry = payload && payload.Token;
              if (entry && typeof entry.value === "string") {
                const value = entry.value.trim().replace(/^Bearer\s+/i, "");
                entry.value = /^Token\s+/.test(value) ? value : "Token " + value;
              }
              return authorize(payload);
            },
          },
        },
      },
    }),
  ],
}
