#!/usr/bin/env bash
# Proves the e2e harness: the engine answers, the busybox base image runs a static program
# with no libc in the image, an image built on it runs its entrypoint, and a registry started
# by lib.sh accepts and serves back a skopeo copy of the base image's docker-archive, with
# and without basic auth.
source "$(dirname "$0")/lib.sh"

require_engine
make_temp_dir

out=$(docker run --rm --network none "$E2E_BASE_IMAGE" echo hello from busybox)
assert_eq "hello from busybox" "$out" "echo in the base image"
libs=$(docker run --rm --network none "$E2E_BASE_IMAGE" sh -c 'ls /lib /lib64 /usr/lib 2>/dev/null | wc -l')
assert_eq 0 "$libs" "library files in the base image"

tag=chalk-e2e/$(unique_name engine):1
build_image_from "$tag" <<DOCKERFILE
FROM $E2E_BASE_IMAGE
RUN echo built > /built.txt
ENTRYPOINT ["cat", "/built.txt"]
DOCKERFILE
assert_eq built "$(docker run --rm --network none "$tag")" "entrypoint of the built image"

save_image "$E2E_BASE_IMAGE" "$E2E_TMP/base.tar"
start_registry
skopeo_run copy -q --dest-tls-verify=false "docker-archive:$E2E_TMP/base.tar" "docker://$REGISTRY_ADDR/chalk/busybox:1" ||
  fail "skopeo copy to $REGISTRY_ADDR failed"
digest=$(skopeo_run inspect --tls-verify=false --format '{{.Digest}}' "docker://$REGISTRY_ADDR/chalk/busybox:1")
assert_contains "$digest" "sha256:" "digest read back from the registry"
layers=$(skopeo_run inspect --tls-verify=false --format '{{len .Layers}}' "docker://$REGISTRY_ADDR/chalk/busybox:1")
assert_eq 1 "$layers" "layer count in the registry"

skopeo_run copy -q --src-tls-verify=false "docker://$REGISTRY_ADDR/chalk/busybox:1" "oci:$E2E_TMP/layout:v1" ||
  fail "skopeo copy from the registry to an OCI layout failed"
umoci_run stat --image "$E2E_TMP/layout:v1" >/dev/null || fail "umoci stat rejects the OCI layout skopeo wrote"

stop_registry
start_registry chalk s3cret
if skopeo_run copy -q --dest-tls-verify=false "docker-archive:$E2E_TMP/base.tar" "docker://$REGISTRY_ADDR/chalk/busybox:2" 2>/dev/null; then
  fail "the registry with basic auth accepted a push without credentials"
fi
skopeo_run copy -q --dest-tls-verify=false --dest-creds chalk:s3cret "docker-archive:$E2E_TMP/base.tar" "docker://$REGISTRY_ADDR/chalk/busybox:2" ||
  fail "the registry with basic auth refused the right credentials"
echo "PASS: engine, base image, image build, registry (plain and basic auth), skopeo, umoci"
