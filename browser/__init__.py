"""The browser test: headless Chromium drives the real frontend of the demo (scripts/browser)."""
