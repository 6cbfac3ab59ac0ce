"""configmap-mirror: for each ConfigMap labelled mirror=true, keep a copy of it (fixed)."""

WATCHES = ["ConfigMap"]
NAME = "configmap-mirror"


def reconcile(ctx, key):
    namespace, name = key.split("/", 1)
    source = ctx.lister("ConfigMap").get(namespace, name)
    if source is None or (source["metadata"].get("labels") or {}).get("mirror") != "true":
        return None
    # Look at the state, not at the event: create the copy only if it is missing,
    # under a name the source determines (a second create would fail, not duplicate).
    mirror_name = f"{name}-mirror"
    if ctx.lister("ConfigMap").get(namespace, mirror_name) is not None:
        return None
    ctx.client.create({
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {
            "name": mirror_name,
            "namespace": namespace,
            "labels": {"mirror-of": name},
            "ownerReferences": [{
                "apiVersion": "v1", "kind": "ConfigMap", "name": name,
                "uid": source["metadata"]["uid"], "controller": True,
            }],
        },
        "data": dict(source.get("data") or {}),
    })
    return None
