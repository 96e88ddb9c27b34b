// The release semantic-release would cut for a range of commits: its commit analyzer (pinned in
// package-lock.json) with the rules of .releaserc.json. Prints none, patch, minor or major.
// Usage: node scripts/release-type.mjs "<message>" ["<message>" ...]  (oldest first; a message
// may start with "<hash>:" to give the commit a hash, so that a revert can name it). The
// analyzer gets them newest first, as semantic-release reads them from git log.
import { readFileSync } from "node:fs";
import { analyzeCommits } from "@semantic-release/commit-analyzer";

const releaserc = JSON.parse(readFileSync(".releaserc.json", "utf8"));
const [, options] = releaserc.plugins.find(
  (plugin) => Array.isArray(plugin) && plugin[0] === "@semantic-release/commit-analyzer",
);
const commits = process.argv
  .slice(2)
  .map((arg, index) => {
    const match = /^([0-9a-f]{7,40}):([\s\S]*)$/.exec(arg);
    return match ? { hash: match[1], message: match[2] } : { hash: `c${index}`, message: arg };
  })
  .reverse();
const logger = { log() {}, error: console.error, success() {}, warn: console.error };
const type = await analyzeCommits(options, { commits, logger, cwd: process.cwd(), options: {} });
console.log(type ?? "none");
