#!/usr/bin/env bash
# Install the Debian packages DigitSight uses: espeak-ng (speech engine for pyttsx3)
# and chromium (browser for the end-to-end tests). Needs root or sudo; without them
# it says what to install and exits 0, so the rest of the setup still runs.
set -u
packages=()
command -v espeak-ng >/dev/null 2>&1 || packages+=(espeak-ng)
command -v chromium >/dev/null 2>&1 || packages+=(chromium)
[ ${#packages[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -eq 0 ]; then
  sudo=""
elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
  sudo="sudo -n"
else
  echo "NOTE: cannot install system packages (${packages[*]}) without root or sudo."
  echo "      Ask an administrator to run: apt-get install -y ${packages[*]}"
  echo "      Without espeak-ng the app falls back to the browser's speech; without chromium the browser tests skip."
  exit 0
fi
if ! command -v apt-get >/dev/null 2>&1; then
  echo "NOTE: no apt-get here; install ${packages[*]} with your system's package manager."
  exit 0
fi
echo "Installing system packages: ${packages[*]}"
$sudo apt-get update -qq || true
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${packages[@]}" >/dev/null \
  || echo "NOTE: apt-get install ${packages[*]} failed; speech or browser tests may be unavailable."
