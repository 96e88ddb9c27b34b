// Conduit's only script: progressive enhancement over pages that work without it.
"use strict";

(() => {
  // --- window.__conduit_debug__ (the e2e contract), from the page's JSON state --------------
  const stateElement = document.getElementById("conduit-state");
  const state = stateElement ? JSON.parse(stateElement.textContent) : null;
  const user = state && state.user ? state.user : null;

  window.__conduit_debug__ = {
    getToken: () => (user ? user.token : null),
    getAuthState: () => (state ? state.authState : "unavailable"),
    getCurrentUser: () => (user ? { ...user } : null),
  };

  // The contract also names localStorage `jwtToken`: keep it in step with the session, so a
  // script (or a test) can call the API as the signed-in user.
  try {
    if (user) {
      window.localStorage.setItem("jwtToken", user.token);
    } else {
      window.localStorage.removeItem("jwtToken");
    }
  } catch (blocked) {
    // Storage disabled by the browser: the pages work without it.
  }

  // --- The editor's tags: Enter adds a pill, its cross removes it ----------------------------
  const enhanceTags = (input) => {
    const list = input.parentElement.querySelector(".tag-list");
    if (!list) {
      return;
    }
    const names = () => Array.from(list.querySelectorAll('input[name="tagList"]'), (el) => el.value);

    const addPill = (name) => {
      if (!name || names().includes(name)) {
        return;
      }
      const pill = document.createElement("span");
      pill.className = "tag-default tag-pill";
      const hidden = document.createElement("input");
      hidden.type = "hidden";
      hidden.name = "tagList";
      hidden.value = name;
      // A button, so the keyboard can remove it too; the icon inside as the server draws it.
      const remove = document.createElement("button");
      remove.type = "button";
      remove.className = "tag-remove";
      remove.setAttribute("aria-label", "Remove tag " + name);
      const cross = document.createElement("i");
      cross.className = "ion-close-round";
      cross.setAttribute("aria-hidden", "true");
      cross.textContent = "\u00d7";
      remove.append(cross);
      pill.append(hidden, remove, document.createTextNode(" " + name));
      list.append(pill);
    };

    input.addEventListener("keydown", (event) => {
      if (event.key === "Enter" || event.key === ",") {
        event.preventDefault(); // Enter would submit the whole form
        input.value
          .split(/[,\s]+/)
          .map((name) => name.trim())
          .forEach(addPill);
        input.value = "";
      }
    });

    list.addEventListener("click", (event) => {
      const target = event.target instanceof Element ? event.target : null;
      const remove = target ? target.closest(".tag-remove") : null;
      if (remove) {
        remove.closest(".tag-pill").remove();
        input.focus(); // the focus was on the removed button: back to the tags field
      }
    });
  };

  document.querySelectorAll("input.tag-input").forEach(enhanceTags);

  // --- A form sent back with errors: the list takes the focus, so a screen reader reads it ---
  const errors = document.querySelector("ul.error-messages");
  if (errors) {
    errors.focus();
  }
})();
