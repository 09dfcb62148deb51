#!/bin/sh
# How the fixtures in this folder were made (Debian 12, libreoffice-calc-nogui 7.4).
#
# original/: learner files the kit wrote (LabelStore / ReflectionStore) for learners
# "00123" and "123456789012345678", with "£", curly quotes and semicolons in the notes,
# under hand-in names (rhetoric-lab-labels-<id>.csv, <id>.reflections.csv).
#
# libreoffice/: each file opened and saved again by LibreOffice Calc, as a learner who
# opens their hand-in in a spreadsheet and saves it (defaults: comma, UTF-8).
# libreoffice-semicolon-cp1252/: the same, saved with semicolons in Windows-1252 (a
# European Excel-style save). Both lose the leading zeros of 00123 and write the long id
# in scientific notation (1.23456789012346E+017).
#
#   apt-get install -y libreoffice-calc-nogui
#   sh tests/data/spreadsheet/make-fixtures.sh
set -e
cd "$(dirname "$0")"
profile="-env:UserInstallation=file://${TMPDIR:-/tmp}/rhetoric-lab-lo-profile"
rm -rf libreoffice libreoffice-semicolon-cp1252
soffice "$profile" --headless --convert-to csv --outdir libreoffice original/*.csv
soffice "$profile" --headless --infilter='CSV:44,34,76,1' \
  --convert-to 'csv:Text - txt - csv (StarCalc):59,34,1' \
  --outdir libreoffice-semicolon-cp1252 original/*.csv
