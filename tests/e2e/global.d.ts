// window.__conduit_debug__, as SELECTORS.md defines it (realworld/web/static/web/conduit.js).
interface ConduitUser {
  username: string;
  email: string;
  bio: string | null;
  image: string | null;
  token: string;
}

interface Window {
  __conduit_debug__: {
    getToken(): string | null;
    getAuthState(): "authenticated" | "unauthenticated" | "unavailable" | "loading";
    getCurrentUser(): ConduitUser | null;
  };
}
