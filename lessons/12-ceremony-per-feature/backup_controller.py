"""backup-controller: the handler of the Backup kind.

For each Backup, record in its status which schedule it has acted on.
"""

WATCHES = ["Backup"]
NAME = "backup-controller"


def reconcile(ctx, key):
    namespace, name = key.split("/", 1)
    backup = ctx.lister("Backup").get(namespace, name)
    if backup is None:
        return None
    # TODO: if the status is not up to date, write it through the status subresource:
    #   status.lastSchedule = the spec's schedule
    #   status.observedGeneration = metadata.generation
    # Copy the cached object first (ctx.deepcopy): never change the cache in place.
    return None
