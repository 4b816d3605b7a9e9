#!/usr/bin/env python3
"""Pack a root filesystem tarball into a one-layer OCI image archive.

    oci-pack.py ROOTFS.tar IMAGE.json OUT.tar

IMAGE.json holds {"ref": "registry/name:tag", "config": {...}} where "config" is the
"config" object of an OCI image configuration (User, Env, Entrypoint, Cmd, WorkingDir,
ExposedPorts, Volumes, StopSignal, Labels).

The archive is an OCI image layout (oci-layout, index.json, blobs/sha256/...) with a
Docker-style manifest.json beside it, the same shape `docker save` writes since Docker 25, so
that `ctr -n k8s.io images import OUT.tar` (containerd 1.6+) names the image from the
io.containerd.image.name annotation and `docker load` works too. Only the standard library is
used. The layer is gzip-compressed with a zero mtime, so the same rootfs gives the same digest.
"""
import gzip
import hashlib
import io
import json
import os
import shutil
import sys
import tarfile
import tempfile
import time

CHUNK = 1 << 20


def main(rootfs: str, image_json: str, out: str) -> None:
    with open(image_json, encoding="utf-8") as f:
        image = json.load(f)
    ref = image["ref"]
    tag = ref.rsplit(":", 1)[1] if ":" in ref.rsplit("/", 1)[-1] else "latest"

    workdir = tempfile.mkdtemp(prefix="oci-pack-", dir=os.path.dirname(os.path.abspath(out)))
    try:
        layer_path = os.path.join(workdir, "layer.tar.gz")
        diff_id = hashlib.sha256()
        with open(rootfs, "rb") as src, open(layer_path, "wb") as raw:
            with gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=0, compresslevel=6) as gz:
                while chunk := src.read(CHUNK):
                    diff_id.update(chunk)
                    gz.write(chunk)
        layer_digest, layer_size = file_digest(layer_path)

        created = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(int(os.environ.get("SOURCE_DATE_EPOCH", time.time()))))
        config = {
            "created": created,
            "architecture": "amd64" if os.uname().machine == "x86_64" else "arm64",
            "os": "linux",
            "config": image.get("config", {}),
            "rootfs": {"type": "layers", "diff_ids": ["sha256:" + diff_id.hexdigest()]},
            "history": [{"created": created, "created_by": "mmdebstrap (test/e2e/images/build-image.sh)"}],
        }
        config_bytes = canonical(config)
        config_digest = hashlib.sha256(config_bytes).hexdigest()

        manifest = {
            "schemaVersion": 2,
            "mediaType": "application/vnd.oci.image.manifest.v1+json",
            "config": {
                "mediaType": "application/vnd.oci.image.config.v1+json",
                "digest": "sha256:" + config_digest,
                "size": len(config_bytes),
            },
            "layers": [
                {
                    "mediaType": "application/vnd.oci.image.layer.v1.tar+gzip",
                    "digest": "sha256:" + layer_digest,
                    "size": layer_size,
                }
            ],
        }
        manifest_bytes = canonical(manifest)
        manifest_digest = hashlib.sha256(manifest_bytes).hexdigest()

        index = {
            "schemaVersion": 2,
            "mediaType": "application/vnd.oci.image.index.v1+json",
            "manifests": [
                {
                    "mediaType": "application/vnd.oci.image.manifest.v1+json",
                    "digest": "sha256:" + manifest_digest,
                    "size": len(manifest_bytes),
                    "annotations": {
                        "io.containerd.image.name": ref,
                        "org.opencontainers.image.ref.name": tag,
                    },
                }
            ],
        }
        docker_manifest = [
            {
                "Config": "blobs/sha256/" + config_digest,
                "RepoTags": [ref],
                "Layers": ["blobs/sha256/" + layer_digest],
            }
        ]

        tmp_out = out + ".part"
        with tarfile.open(tmp_out, "w", format=tarfile.PAX_FORMAT) as tar:
            add_dir(tar, "blobs")
            add_dir(tar, "blobs/sha256")
            add_bytes(tar, "blobs/sha256/" + config_digest, config_bytes)
            add_bytes(tar, "blobs/sha256/" + manifest_digest, manifest_bytes)
            info = tarfile.TarInfo("blobs/sha256/" + layer_digest)
            info.size = layer_size
            info.mode = 0o444
            with open(layer_path, "rb") as layer:
                tar.addfile(info, layer)
            add_bytes(tar, "oci-layout", canonical({"imageLayoutVersion": "1.0.0"}))
            add_bytes(tar, "index.json", canonical(index))
            add_bytes(tar, "manifest.json", canonical(docker_manifest))
        os.replace(tmp_out, out)
        print(f"{ref} manifest sha256:{manifest_digest} layer {layer_size} bytes compressed")
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


def canonical(value) -> bytes:
    return json.dumps(value, separators=(",", ":"), sort_keys=True).encode()


def file_digest(path: str):
    h = hashlib.sha256()
    size = 0
    with open(path, "rb") as f:
        while chunk := f.read(CHUNK):
            h.update(chunk)
            size += len(chunk)
    return h.hexdigest(), size


def add_dir(tar: tarfile.TarFile, name: str) -> None:
    info = tarfile.TarInfo(name)
    info.type = tarfile.DIRTYPE
    info.mode = 0o755
    tar.addfile(info)


def add_bytes(tar: tarfile.TarFile, name: str, data: bytes) -> None:
    info = tarfile.TarInfo(name)
    info.size = len(data)
    info.mode = 0o444
    tar.addfile(info, io.BytesIO(data))


if __name__ == "__main__":
    if len(sys.argv) != 4:
        sys.exit(__doc__)
    main(*sys.argv[1:])
