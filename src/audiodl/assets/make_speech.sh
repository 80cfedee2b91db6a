#!/usr/bin/env bash
# Recreates speech.wav, the course's speech sample (committed; nothing is downloaded at
# run time). Needs Debian's espeak-ng 1.51 and sox: apt-get install espeak-ng sox
set -euo pipefail
cd "$(dirname "$0")"
espeak-ng -v en-gb -s 140 -w /tmp/audiodl-speech-22k.wav \
  "Audio signal processing and deep learning."
# 16 kHz mono 16-bit, the rate the course uses for speech.
sox /tmp/audiodl-speech-22k.wav -r 16000 -c 1 -b 16 speech.wav
rm /tmp/audiodl-speech-22k.wav
