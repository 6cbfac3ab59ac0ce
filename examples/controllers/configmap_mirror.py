"""configmap-mirror: for each ConfigMap labelled `mirror=true`, keep a copy named `<name>-mirror`.

A small user controller for kubesim (the interface is described in kubesim/controllers/user.py).
Try it:

    kubesim apply -f examples/controllers/configmap-mirror.yaml
    kubesim reconcile --controller examples/controllers/configmap_mirror.py
    kubesim get configmaps

It is idempotent: running reconcile once or ten times for the same key leaves the same world.
It creates the mirror only if it is absent (under a fixed name, so a second create cannot make a
second copy), and updates it only if the data differs. The mirror carries an ownerReference to its
source: editing the mirror wakes the controller up to put it back, and deleting the source lets
the garbage collector delete the mirror.
"""

from kubesim.model.errors import AlreadyExists

WATCHES = ["ConfigMap"]
NAME = "configmap-mirror"


def reconcile(ctx, key):
    namespace, name = key.split("/", 1)
    source = ctx.lister("ConfigMap").get(namespace, name)
    if source is None or source["metadata"].get("deletionTimestamp"):
        return None  # gone or going: the garbage collector removes its mirror
    if (source["metadata"].get("labels") or {}).get("mirror") != "true":
        return None
    data = dict(source.get("data") or {})
    mirror_name = f"{name}-mirror"
    mirror = ctx.lister("ConfigMap").get(namespace, mirror_name)

    if mirror is None:
        try:
            ctx.client.create(
                {
                    "apiVersion": "v1",
                    "kind": "ConfigMap",
                    "metadata": {
                        "name": mirror_name,
                        "namespace": namespace,
                        "labels": {"mirror-of": name},
                        "ownerReferences": [
                            {
                                "apiVersion": "v1",
                                "kind": "ConfigMap",
                                "name": name,
                                "uid": source["metadata"]["uid"],
                                "controller": True,
                                "blockOwnerDeletion": True,
                            }
                        ],
                    },
                    "data": data,
                }
            )
        except AlreadyExists:
            # Our cache has not seen our own create yet (it lags the store): the mirror is
            # there, and its ADDED event will bring us back to check its data.
            return None
        ctx.record_event(source, "Normal", "Mirrored", f"Created ConfigMap {mirror_name}")
        ctx.log(f"created {namespace}/{mirror_name}")
    elif (mirror.get("data") or {}) != data:

        def set_data(live):
            live["data"] = data
            return live

        ctx.client.patch(ctx.kind("ConfigMap"), namespace, mirror_name, set_data)
        ctx.log(f"updated {namespace}/{mirror_name}")
    return None


# The mistake lesson 8 has you find and fix: a reconcile that acts on the event, not on the state.
#
#     def reconcile(ctx, key):
#         namespace, name = key.split("/", 1)
#         source = ctx.lister("ConfigMap").get(namespace, name)
#         if source and (source["metadata"].get("labels") or {}).get("mirror") == "true":
#             ctx.client.create({
#                 "apiVersion": "v1", "kind": "ConfigMap",
#                 "metadata": {"generateName": f"{name}-mirror-", "namespace": namespace},
#                 "data": source.get("data") or {},
#             })
#
# Every reconcile creates one more copy: after an edit of the source, a duplicate delivery, a
# resync, or a restart that relists. generateName never collides, so nothing stops it; the
# number of mirrors counts the events, not the ConfigMaps. The fix is the code above: look at
# what exists, and only create what is missing, under a name that the state determines.
