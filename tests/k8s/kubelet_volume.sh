# The kubelet's atomic update of a ConfigMap, Secret or projected volume,
# for tests that check Scout picks up changed files without a restart.
# Sourced; needs $ETC (the volume's mount point, an existing directory).
#
# publish NAME DIR: DIR's entries (files or directories) become version
# ..NAME, ..data is swapped to it in one rename, each top-level entry is a
# symlink into ..data, and older versions are removed.
publish() {
  local version="..$1"
  mkdir "$ETC/$version"
  cp -r "$2"/. "$ETC/$version/"
  ln -s "$version" "$ETC/..data_tmp"
  mv -T "$ETC/..data_tmp" "$ETC/..data"
  for f in "$2"/*; do
    [ -L "$ETC/$(basename "$f")" ] || ln -s "..data/$(basename "$f")" "$ETC/$(basename "$f")"
  done
  for old in "$ETC"/..20*; do
    [ "$old" = "$ETC/$version" ] || rm -rf "$old"
  done
}
