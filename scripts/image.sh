#!/usr/bin/env bash
# Build the container image mcp:<version> without a registry or a base image: a root filesystem
# holding this machine's node binary, the shared libraries `ldd` lists for it, and the packed app
# (npm pack, installed with --omit=dev), turned into an image by `docker import`.
#
#   bash scripts/image.sh                 # → mcp:<package.json version>
#   MCP_IMAGE=mcp:dev bash scripts/image.sh
#
# Run the agent the way the gateway's design notes show:
#   docker run -d -v /var/run/docker.sock:/var/run/docker.sock --network host mcp:<version> \
#     sync --watch --etcd-endpoints http://127.0.0.1:2379
# Every other command runs from it too: docker run --rm mcp:<version> lint-labels --help
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
VERSION=$(node -p "require('$ROOT/package.json').version")
# The package's installed path follows its name (a scoped name is a directory under @scope).
PKG=$(node -p "require('$ROOT/package.json').name")
IMAGE=${MCP_IMAGE:-mcp:$VERSION}
NODE_BIN=$(command -v node)
WORK=$(mktemp -d "${TMPDIR:-/tmp}/mcp-image-XXXXXX")
trap 'rm -rf "$WORK"' EXIT
ROOTFS=$WORK/rootfs

[ -f "$ROOT/dist/version.txt" ] || { echo "image.sh: dist/ is missing; run npm run build first" >&2; exit 3; }

mkdir -p "$ROOTFS/usr/local/bin" "$ROOTFS/tmp" "$ROOTFS/etc" "$ROOTFS/opt/mcp"
chmod 1777 "$ROOTFS/tmp"
cp -L "$NODE_BIN" "$ROOTFS/usr/local/bin/node"

# The loader and every library node links against, at the paths ldd gives (the loader's own line
# has no "=>").
ldd "$NODE_BIN" | awk '/=> \//{print $3} /^[[:space:]]*\/[^ ]+/{print $1}' | sort -u | while read -r lib; do
  cp -L --parents "$lib" "$ROOTFS/"
done

# Name resolution for a host name in --etcd-endpoints, and a user for os.userInfo().
printf 'root:x:0:0:root:/tmp:/sbin/nologin\nnobody:x:65534:65534:nobody:/tmp:/sbin/nologin\n' >"$ROOTFS/etc/passwd"
printf 'root:x:0:\nnogroup:x:65534:\n' >"$ROOTFS/etc/group"
printf 'hosts: files dns\n' >"$ROOTFS/etc/nsswitch.conf"

# The app as users install it: the packed tarball, production dependencies only (from npm's cache
# when it holds them).
TARBALL=$(cd "$ROOT" && npm pack --silent --pack-destination "$WORK" | tail -n 1)
npm install --prefix "$ROOTFS/opt/mcp" --omit=dev --no-audit --no-fund --prefer-offline --loglevel=error "$WORK/$TARBALL" >/dev/null
ln -s "/opt/mcp/node_modules/$PKG/bin/run.js" "$ROOTFS/usr/local/bin/mcp"

tar -C "$ROOTFS" -c . | docker import \
  --change "ENTRYPOINT [\"/usr/local/bin/node\", \"/opt/mcp/node_modules/$PKG/bin/run.js\"]" \
  --change 'CMD ["--help"]' \
  --change 'ENV HOME=/tmp XDG_CACHE_HOME=/tmp/.cache NO_COLOR=1' \
  --change 'WORKDIR /tmp' \
  --change "LABEL org.opencontainers.image.title=mcp org.opencontainers.image.version=$VERSION" \
  - "$IMAGE" >/dev/null
echo "$IMAGE ($(du -sh "$ROOTFS" | cut -f1) root filesystem)"
