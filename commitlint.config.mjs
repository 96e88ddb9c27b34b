// Commit messages follow Conventional Commits: semantic-release reads them to pick the next
// version (fix -> patch, feat -> minor, "!" or "BREAKING CHANGE:" -> major).
// Checked on pull requests (.github/workflows/release.yml) and locally by `make delivery-check`.
export default {
  extends: ['@commitlint/config-conventional'],
  rules: {
    // Subjects may start with a proper noun (Django, PostgreSQL, RealWorld, Flux).
    'subject-case': [0],
    // Long URLs and command lines in bodies are fine; keep them as warnings, not failures.
    'body-max-line-length': [1, 'always', 100],
    'footer-max-line-length': [1, 'always', 100],
  },
};
