// Every flow of the web app, driven through the UI as a reader would.
import { expect, login, logout, newUserPage, publish, register, test, uniqueUser } from "./fixtures";

test.describe("signing up, in and out", () => {
  test("register lands on the home page signed in, with the debug interface", async ({ page }) => {
    const user = uniqueUser();
    await register(page, user);

    await expect(page).toHaveURL("/");
    const profileLink = page.locator('nav a[href^="/profile/"]').first();
    await expect(profileLink).toHaveText(user.username);
    await expect(profileLink.locator("img.user-pic")).toHaveAttribute("src", /default-avatar\.svg/);
    await expect(page.locator('a.nav-link:has-text("Your Feed")')).toHaveAttribute("href", "/?feed=following");

    const state = await page.evaluate(() => ({
      auth: window.__conduit_debug__.getAuthState(),
      user: window.__conduit_debug__.getCurrentUser(),
      token: window.__conduit_debug__.getToken(),
      stored: localStorage.getItem("jwtToken"),
    }));
    expect(state.auth).toBe("authenticated");
    expect(state.user).toMatchObject({ username: user.username, email: user.email, bio: null, image: null });
    expect(state.token).toBe(state.stored);
    // The token is a real API credential for the signed-in user.
    const me = await page.request.get("/api/user", { headers: { Authorization: `Token ${state.token}` } });
    expect(me.status()).toBe(200);
    expect((await me.json()).user.username).toBe(user.username);
  });

  test("registration errors list every bad field and keep the page", async ({ page, browser }) => {
    const taken = await newUserPage(browser);
    await page.goto("/register");
    await page.fill('input[name="username"]', taken.user.username);
    await page.fill('input[name="email"]', "not-an-email@x");
    await page.fill('input[name="password"]', "short");
    await page.click('button[type="submit"]');

    await expect(page).toHaveURL("/register");
    await expect(page.locator("h1")).toHaveText("Sign up");
    await expect(page.locator("ul.error-messages li")).toHaveText([
      "email is invalid",
      "password is too short (minimum is 8 characters)",
      "username has already been taken",
    ]);
    await taken.close();
  });

  test("a wrong password is refused; the right one signs in; logout signs out", async ({ page }) => {
    const user = uniqueUser();
    await register(page, user);
    await logout(page);
    expect(await page.evaluate(() => window.__conduit_debug__.getAuthState())).toBe("unauthenticated");
    expect(await page.evaluate(() => localStorage.getItem("jwtToken"))).toBeNull();
    await expect(page.locator('nav a[href="/login"]')).toBeVisible();

    await page.goto("/login");
    await expect(page.locator("h1")).toHaveText("Sign in");
    await page.fill('input[name="email"]', user.email);
    await page.fill('input[name="password"]', "wrong-password");
    await page.click('button[type="submit"]');
    await expect(page).toHaveURL("/login");
    await expect(page.locator("ul.error-messages li")).toHaveText(["credentials invalid"]);

    await login(page, user);
    await expect(page.locator('nav a[href="/editor"]')).toBeVisible();
  });

  test("signed-out visitors are sent to /login from private pages", async ({ page }) => {
    for (const path of ["/?feed=following", "/editor", "/settings"]) {
      await page.goto(path);
      await expect(page).toHaveURL(`/login?next=${encodeURIComponent(path)}`);
    }
  });
});

test.describe("writing", () => {
  test("publish, read, edit and delete an article", async ({ page, browser }) => {
    const author = uniqueUser();
    await register(page, author);
    const title = `Dragons ${Date.now()}`;
    const slug = await publish(page, {
      title,
      description: "How to train them",
      body: "## Step one\n\nBelieve **hard**.\n\n- fire\n- ice",
      tags: ["dragons", "training"],
    });

    await expect(page.locator(".article-page h1").first()).toHaveText(title);
    await expect(page.locator(".article-content h2")).toHaveText("Step one");
    await expect(page.locator(".article-content strong")).toHaveText("hard");
    await expect(page.locator(".article-content .tag-list .tag-default")).toHaveText(["dragons", "training"]);
    await expect(page.locator(".article-meta img").first()).toHaveAttribute("src", /default-avatar\.svg/);

    // Others see no Edit/Delete and cannot open the editor.
    const other = await newUserPage(browser);
    await other.page.goto(`/article/${slug}`);
    await expect(other.page.locator('a:has-text("Edit Article")')).toHaveCount(0);
    await expect(other.page.locator('button:has-text("Delete Article")')).toHaveCount(0);
    const refused = await other.page.goto(`/editor/${slug}`);
    expect(refused?.status()).toBe(403);
    await other.close();

    // Edit: the form is pre-filled; remove a tag pill, add one, change the title.
    await page.click('a:has-text("Edit Article") >> nth=0');
    await expect(page).toHaveURL(`/editor/${slug}`);
    await expect(page.locator('input[name="title"]')).toHaveValue(title);
    await page.locator('.tag-pill:has-text("training") .ion-close-round').click();
    await page.fill('input[placeholder="Enter tags"]', "fire");
    await page.press('input[placeholder="Enter tags"]', "Enter");
    await page.fill('input[name="title"]', `${title} revised`);
    await Promise.all([page.waitForURL(/\/article\/.+/), page.click('button:has-text("Publish Article")')]);
    await expect(page.locator(".article-page h1").first()).toHaveText(`${title} revised`);
    await expect(page.locator(".article-content .tag-list .tag-default")).toHaveText(["dragons", "fire"]);

    await Promise.all([page.waitForURL("/"), page.click('button:has-text("Delete Article") >> nth=0')]);
    const gone = await page.goto(new URL(page.url()).origin + `/article/${slug}-revised`);
    expect(gone?.status()).toBe(404);
    await expect(page.locator(".article-page")).toBeVisible();
  });

  test("editor errors are listed and the form stays", async ({ page }) => {
    await register(page, uniqueUser());
    await page.goto("/editor");
    await page.fill('input[name="title"]', "Only a title");
    await page.click('button:has-text("Publish Article")');
    await expect(page).toHaveURL("/editor");
    await expect(page.locator("ul.error-messages li")).toHaveText([
      "description can't be blank",
      "body can't be blank",
    ]);
    await expect(page.locator('input[name="title"]')).toHaveValue("Only a title");
  });

  test("hostile markup stays inert in every field a page shows", async ({ page }) => {
    const payload = `<img src=x onerror="alert('xss')"><script>alert('xss')</script>`;
    const user = uniqueUser("x");
    await register(page, user);
    await page.goto("/settings");
    await page.fill('textarea[name="bio"]', payload);
    await Promise.all([page.waitForURL(/\/profile\//), page.click('button:has-text("Update Settings")')]);
    const slug = await publish(page, {
      title: `<svg onload="alert('xss')">${Date.now()}`,
      description: payload,
      body: `${payload}\n\n[click me](javascript:alert('xss'))\n\n<a href="javascript:alert(1)">raw</a>`,
      tags: ["<b>bold</b>"],
    });
    await page.fill('textarea[placeholder="Write a comment..."]', payload);
    await Promise.all([page.waitForURL(`/article/${slug}`), page.click('button:has-text("Post Comment")')]);

    for (const path of [`/article/${slug}`, "/", `/profile/${user.username}`]) {
      await page.goto(path);
      const injected = await page.evaluate(() => ({
        scripts: document.querySelectorAll("main script").length,
        handlers: Array.from(document.querySelectorAll("main *")).filter((el) =>
          Array.from(el.attributes).some((a) => a.name.startsWith("on")),
        ).length,
        scriptLinks: Array.from(document.querySelectorAll("main a")).filter((a) =>
          (a.getAttribute("href") || "").trim().toLowerCase().startsWith("javascript:"),
        ).length,
      }));
      expect(injected).toEqual({ scripts: 0, handlers: 0, scriptLinks: 0 });
    }
    // The text is shown as text.
    await page.goto(`/article/${slug}`);
    await expect(page.locator(".card:not(.comment-form) .card-block").first()).toContainText("<script>");
    // The guard fixture fails the test if any alert() ran.
  });
});

test.describe("comments", () => {
  test("post a comment, see it, delete it; others see no trash can", async ({ page, browser }) => {
    await register(page, uniqueUser());
    const slug = await publish(page, { title: `Comments ${Date.now()}`, description: "d", body: "b", tags: [] });
    const text = `First! ${Date.now()}`;

    await page.fill('textarea[placeholder="Write a comment..."]', text);
    await Promise.all([page.waitForURL(`/article/${slug}`), page.click('button:has-text("Post Comment")')]);
    await expect(page.locator(".card:not(.comment-form) .card-block")).toHaveText([text]);
    await expect(page.locator('textarea[placeholder="Write a comment..."]')).toHaveValue("");
    await expect(page.locator(".card:not(.comment-form) .comment-author-img")).toHaveAttribute("src", /default-avatar\.svg/);

    const other = await newUserPage(browser);
    await other.page.goto(`/article/${slug}`);
    await expect(other.page.locator(".card:not(.comment-form) .card-block")).toHaveText([text]);
    await expect(other.page.locator(".mod-options .ion-trash-a")).toHaveCount(0);
    await other.close();

    await Promise.all([page.waitForURL(`/article/${slug}`), page.click(".mod-options .ion-trash-a")]);
    await expect(page.locator(".card:not(.comment-form)")).toHaveCount(0);
  });

  test("signed out, the comment form is replaced by a sign-in link", async ({ page, browser }) => {
    const author = await newUserPage(browser);
    const slug = await publish(author.page, { title: `Quiet ${Date.now()}`, description: "d", body: "b", tags: [] });
    await author.close();
    await page.goto(`/article/${slug}`);
    await expect(page.locator('textarea[placeholder="Write a comment..."]')).toHaveCount(0);
    await expect(page.locator(`.article-page a[href="/login?next=%2Farticle%2F${slug}"]`).first()).toBeVisible();
  });
});

test.describe("favorites, follows and feeds", () => {
  test("favorite and unfavorite from the article page and the list", async ({ page, browser }) => {
    const author = await newUserPage(browser);
    const slug = await publish(author.page, { title: `Loved ${Date.now()}`, description: "d", body: "b", tags: [] });
    await register(page, uniqueUser());
    await page.goto(`/article/${slug}`);

    const favorite = page.locator('button:has-text("Favorite Article")').first();
    await expect(favorite).toHaveClass(/btn-outline-primary/);
    await expect(favorite).toContainText("(0)");
    await Promise.all([page.waitForURL(`/article/${slug}`), favorite.click()]);
    const unfavorite = page.locator('button:has-text("Unfavorite Article")').first();
    await expect(unfavorite).toHaveClass(/btn-primary/);
    await expect(unfavorite).toContainText("(1)");

    // The author's profile lists it under the reader's favorites.
    const me = await page.evaluate(() => window.__conduit_debug__.getCurrentUser()!.username);
    await page.goto(`/profile/${me}/favorites`);
    await expect(page.locator(".article-preview h1")).toHaveText([/Loved/]);
    await expect(page.locator('a.nav-link:has-text("Favorited")')).toHaveClass(/active/);

    // Unfavorite from the list: the button flips back, the page stays.
    const listButton = page.locator(".article-preview button.btn-primary");
    await Promise.all([page.waitForURL(`/profile/${me}/favorites`), listButton.click()]);
    await expect(page.locator(".empty-feed-message")).toBeVisible();
    await author.close();
  });

  test("follow an author: Your Feed shows their articles; unfollow empties it", async ({ page, browser }) => {
    const author = await newUserPage(browser);
    const title = `Followed ${Date.now()}`;
    await publish(author.page, { title, description: "d", body: "b", tags: [] });
    await register(page, uniqueUser());

    await page.goto("/?feed=following");
    await expect(page.locator('.nav-link:has-text("Your Feed")')).toHaveClass(/active/);
    const empty = page.locator(".empty-feed-message");
    await expect(empty).toContainText("Your feed is empty");
    await expect(empty.locator('a[href="/"]')).toBeVisible();

    await page.goto(`/profile/${author.user.username}`);
    await Promise.all([
      page.waitForURL(`/profile/${author.user.username}`),
      page.click(`button:has-text("Follow ${author.user.username}")`),
    ]);
    await expect(page.locator(`button:has-text("Unfollow ${author.user.username}")`)).toBeVisible();

    await page.click('.nav-link:has-text("Home")');
    await page.click('.nav-link:has-text("Your Feed")');
    await expect(page).toHaveURL("/?feed=following");
    await expect(page.locator(".article-preview h1")).toHaveText([title]);

    await page.goto(`/profile/${author.user.username}`);
    await page.click(`button:has-text("Unfollow ${author.user.username}")`);
    await page.goto("/?feed=following");
    await expect(page.locator(".empty-feed-message")).toBeVisible();
    await author.close();
  });

  test("tags filter the feed and pagination pages through ten at a time", async ({ page }) => {
    await register(page, uniqueUser());
    const tag = `pag${Date.now().toString(36)}`;
    for (let n = 0; n < 12; n++) {
      await publish(page, { title: `Paged ${tag} ${n}`, description: "d", body: "b", tags: [tag] });
    }

    await page.goto("/");
    await Promise.all([page.waitForURL(`/tag/${tag}`), page.click(`.sidebar .tag-list .tag-pill:has-text("${tag}")`)]);
    await expect(page.locator(`.nav-link:has-text("${tag}")`)).toHaveClass(/active/);
    await expect(page.locator(".article-preview")).toHaveCount(10);
    await expect(page.locator(".article-preview h1").first()).toHaveText(`Paged ${tag} 11`);

    await page.click('.pagination .page-link:has-text("2")');
    await expect(page).toHaveURL(`/tag/${tag}?page=2`);
    await expect(page.locator('.pagination .page-item:has(.page-link:has-text("2"))')).toHaveClass(/active/);
    await expect(page.locator(".article-preview")).toHaveCount(2);

    await page.click('.nav-link:has-text("Global Feed")');
    await expect(page).toHaveURL("/");
    await expect(page.locator('.nav-link:has-text("Global Feed")')).toHaveClass(/active/);
  });
});

test.describe("search, feeds and sharing", () => {
  test("the navbar's search box finds an article by a word of its body, marked", async ({ page, browser }) => {
    await register(page, uniqueUser());
    const word = `zq${Date.now().toString(36)}`;
    const slug = await publish(page, {
      title: "Searchable",
      description: "Found by its body",
      body: `A paragraph that mentions ${word} once.`,
      tags: [],
    });

    const reader = await browser.newPage();  // signed out
    await reader.goto("/");
    await reader.fill("nav input[name=q]", word);
    await Promise.all([reader.waitForURL(`/search?q=${word}`), reader.press("nav input[name=q]", "Enter")]);
    await expect(reader.locator(".search-summary")).toContainText(`1 article matches ${word}`);
    await expect(reader.locator(".article-preview h1")).toHaveText("Searchable");
    await expect(reader.locator(".search-excerpt mark")).toHaveText(word);
    await expect(reader.locator("#search-words")).toHaveValue(word);
    await reader.click(".article-preview .preview-link");
    await expect(reader).toHaveURL(`/article/${slug}`);
    await expect(reader.locator('link[rel="canonical"]')).toHaveAttribute("href", new RegExp(`/article/${slug}$`));
    await expect(reader.locator('meta[property="og:title"]')).toHaveAttribute("content", "Searchable");
    const feedHref = await reader.locator('link[rel="alternate"][type="application/atom+xml"]').getAttribute("href");
    const feed = await reader.request.get(feedHref!);
    expect(feed.headers()["content-type"]).toContain("application/atom+xml");
    expect(await feed.text()).toContain(`/article/${slug}`);
    await reader.close();
  });
});

test.describe("settings and profiles", () => {
  test("update settings, see them on the profile; a new password replaces the old", async ({ page }) => {
    const user = uniqueUser();
    await register(page, user);
    await page.goto("/settings");
    await expect(page.locator('textarea[name="bio"]')).toHaveValue("");
    await expect(page.locator('input[name="image"]')).toHaveValue("");
    await page.fill('textarea[name="bio"]', "I like dragons");
    await page.fill('input[name="password"]', "a-brand-new-password");
    await Promise.all([
      page.waitForURL(`/profile/${user.username}`),
      page.click('button:has-text("Update Settings")'),
    ]);

    await expect(page.locator(".user-info h4")).toHaveText(user.username);
    await expect(page.locator(".user-info p")).toHaveText("I like dragons");
    await expect(page.locator(".user-info img.user-img")).toHaveAttribute("src", /default-avatar\.svg/);
    await expect(page.locator('a:has-text("Edit Profile Settings")')).toHaveAttribute("href", "/settings");
    // Still signed in after the password change.
    expect(await page.evaluate(() => window.__conduit_debug__.getAuthState())).toBe("authenticated");

    await logout(page);
    await page.goto("/login");
    await page.fill('input[name="email"]', user.email);
    await page.fill('input[name="password"]', user.password);
    await page.click('button[type="submit"]');
    await expect(page.locator("ul.error-messages")).toBeVisible();
    await login(page, { email: user.email, password: "a-brand-new-password" });
  });

  test("profile tabs, and an unknown profile is a styled 404", async ({ page, browser }) => {
    const author = await newUserPage(browser);
    const title = `Mine ${Date.now()}`;
    await publish(author.page, { title, description: "d", body: "b", tags: [] });
    await author.close();

    await page.goto(`/profile/${author.user.username}`);
    await expect(page.locator(".profile-page .user-info h4")).toHaveText(author.user.username);
    await expect(page.locator(".article-preview h1")).toHaveText([title]);
    await page.click('a:has-text("Favorited")');
    await expect(page).toHaveURL(`/profile/${author.user.username}/favorites`);
    await expect(page.locator(".empty-feed-message")).toBeVisible();

    const missing = await page.goto("/profile/nobody-has-this-name");
    expect(missing?.status()).toBe(404);
    await expect(page.locator(".profile-page, .user-info")).toBeVisible();
  });
});

test.describe("without JavaScript", () => {
  test.use({ javaScriptEnabled: false });

  test("sign up, publish with comma-separated tags, favorite and comment", async ({ page, browser }) => {
    const author = await newUserPage(browser);
    const slug = await publish(author.page, { title: `NoJS target ${Date.now()}`, description: "d", body: "b", tags: [] });
    await author.close();

    await register(page, uniqueUser("nojs"));
    await page.goto("/editor");
    await page.fill('input[name="title"]', `NoJS ${Date.now()}`);
    await page.fill('input[name="description"]', "d");
    await page.fill('textarea[name="body"]', "b");
    await page.fill('input[placeholder="Enter tags"]', "plain, html");
    await Promise.all([page.waitForURL(/\/article\/.+/), page.click('button:has-text("Publish Article")')]);
    await expect(page.locator(".article-content .tag-default")).toHaveText(["html", "plain"]);

    await page.goto(`/article/${slug}`);
    await page.click('button:has-text("Favorite Article") >> nth=0');
    await expect(page.locator('button:has-text("Unfavorite Article")').first()).toHaveClass(/btn-primary/);
    await page.fill('textarea[placeholder="Write a comment..."]', "Works without scripts");
    await page.click('button:has-text("Post Comment")');
    await expect(page.locator(".card:not(.comment-form) .card-block")).toHaveText(["Works without scripts"]);
  });
});

test.describe("the API documentation", () => {
  test("Swagger UI's Authorize takes the bare JWT and GET /user answers 200", async ({ page, browser }) => {
    const reader = await newUserPage(browser);
    const token = await reader.page.evaluate(() => window.__conduit_debug__.getToken());
    await reader.close();

    await page.goto("/api/docs");
    await page.click("button.authorize");
    await expect(page.locator(".auth-container")).toContainText("prefix is added for you");
    await page.fill(".auth-container input", token as string);
    await page.click('.auth-btn-wrapper button:has-text("Authorize")');
    await page.click('.auth-btn-wrapper button:has-text("Close")');

    const operation = page.locator("#operations-User_and_Authentication-GetCurrentUser");
    await operation.locator(".opblock-summary").click();
    await operation.locator('button:has-text("Try it out")').click();
    await operation.locator('button:has-text("Execute")').click();
    await expect(operation.locator(".responses-inner .curl-command")).toContainText(`Authorization: Token ${token}`);
    await expect(operation.locator(".live-responses-table tr.response .response-col_status")).toHaveText("200");
  });
});
