#!/usr/bin/env python3
"""Writes an OCI image archive (an OCI image layout in a tar) from layer tars, with no registry and no Docker.

usage: oci-archive.py OUT.tar NAME CONFIG.json LAYER.tar [LAYER.tar ...]

CONFIG.json holds the image's runtime config (Entrypoint, Cmd, Env, WorkingDir, ...). Layers are stored
uncompressed, in order. NAME (e.g. docker.io/faktory-ha/test:abc) is recorded under the annotations that
`ctr images import` reads, so the import names the image NAME. Deterministic: the same inputs give the same
archive (fixed timestamps, sorted entries).
"""
import hashlib
import io
import json
import os
import sys
import tarfile


def sha256_file(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def main():
    if len(sys.argv) < 5:
        sys.exit(__doc__)
    out, name, config_path = sys.argv[1:4]
    layers = sys.argv[4:]
    with open(config_path) as f:
        runtime_config = json.load(f)
    layer_descs = []
    for layer in layers:
        digest = sha256_file(layer)
        layer_descs.append(
            {
                "mediaType": "application/vnd.oci.image.layer.v1.tar",
                "digest": f"sha256:{digest}",
                "size": os.path.getsize(layer),
                "_path": layer,
            }
        )
    config = {
        "created": "1970-01-01T00:00:00Z",
        "architecture": "amd64",
        "os": "linux",
        "config": runtime_config,
        "rootfs": {"type": "layers", "diff_ids": [d["digest"] for d in layer_descs]},
        "history": [{"created": "1970-01-01T00:00:00Z", "created_by": os.path.basename(d["_path"])} for d in layer_descs],
    }
    config_bytes = json.dumps(config, sort_keys=True, separators=(",", ":")).encode()
    config_digest = hashlib.sha256(config_bytes).hexdigest()
    manifest = {
        "schemaVersion": 2,
        "mediaType": "application/vnd.oci.image.manifest.v1+json",
        "config": {
            "mediaType": "application/vnd.oci.image.config.v1+json",
            "digest": f"sha256:{config_digest}",
            "size": len(config_bytes),
        },
        "layers": [{k: v for k, v in d.items() if not k.startswith("_")} for d in layer_descs],
    }
    manifest_bytes = json.dumps(manifest, sort_keys=True, separators=(",", ":")).encode()
    manifest_digest = hashlib.sha256(manifest_bytes).hexdigest()
    tag = name.rsplit(":", 1)[1] if ":" in name.rsplit("/", 1)[-1] else "latest"
    index = {
        "schemaVersion": 2,
        "mediaType": "application/vnd.oci.image.index.v1+json",
        "manifests": [
            {
                "mediaType": "application/vnd.oci.image.manifest.v1+json",
                "digest": f"sha256:{manifest_digest}",
                "size": len(manifest_bytes),
                "platform": {"architecture": "amd64", "os": "linux"},
                "annotations": {
                    "io.containerd.image.name": name,
                    "org.opencontainers.image.ref.name": tag,
                },
            }
        ],
    }

    def add_bytes(tar, path, data):
        info = tarfile.TarInfo(path)
        info.size = len(data)
        info.mtime = 0
        info.mode = 0o644
        tar.addfile(info, io.BytesIO(data))

    def add_dir(tar, path):
        info = tarfile.TarInfo(path)
        info.type = tarfile.DIRTYPE
        info.mode = 0o755
        info.mtime = 0
        tar.addfile(info)

    tmp = out + ".tmp"
    with tarfile.open(tmp, "w", format=tarfile.PAX_FORMAT) as tar:
        add_bytes(tar, "oci-layout", json.dumps({"imageLayoutVersion": "1.0.0"}).encode())
        add_bytes(tar, "index.json", json.dumps(index, sort_keys=True).encode())
        add_dir(tar, "blobs")
        add_dir(tar, "blobs/sha256")
        add_bytes(tar, f"blobs/sha256/{config_digest}", config_bytes)
        add_bytes(tar, f"blobs/sha256/{manifest_digest}", manifest_bytes)
        seen = set()
        for d in layer_descs:
            digest = d["digest"].split(":", 1)[1]
            if digest in seen:
                continue
            seen.add(digest)
            info = tarfile.TarInfo(f"blobs/sha256/{digest}")
            info.size = d["size"]
            info.mtime = 0
            info.mode = 0o644
            with open(d["_path"], "rb") as f:
                tar.addfile(info, f)
    os.replace(tmp, out)
    print(f"sha256:{manifest_digest}")


if __name__ == "__main__":
    main()
