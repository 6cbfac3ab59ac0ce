"""configmap-mirror: for each ConfigMap labelled mirror=true, keep a copy of it.

This version has a bug. Run it twice and count the copies:
    kubesim get configmaps -l mirror-of=app-settings
"""

WATCHES = ["ConfigMap"]
NAME = "configmap-mirror"


def reconcile(ctx, key):
    namespace, name = key.split("/", 1)
    source = ctx.lister("ConfigMap").get(namespace, name)
    if source is None or (source["metadata"].get("labels") or {}).get("mirror") != "true":
        return None
    # Make a copy of the source.
    ctx.client.create({
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {
            "generateName": f"{name}-mirror-",
            "namespace": namespace,
            "labels": {"mirror-of": name},
        },
        "data": dict(source.get("data") or {}),
    })
    return None
