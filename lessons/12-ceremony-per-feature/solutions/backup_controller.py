"""backup-controller: the handler of the Backup kind (solution)."""

WATCHES = ["Backup"]
NAME = "backup-controller"


def reconcile(ctx, key):
    namespace, name = key.split("/", 1)
    backup = ctx.lister("Backup").get(namespace, name)
    if backup is None:
        return None
    status = backup.get("status") or {}
    generation = backup["metadata"].get("generation")
    schedule = backup["spec"]["schedule"]
    if status.get("observedGeneration") == generation and status.get("lastSchedule") == schedule:
        return None
    updated = ctx.deepcopy(backup)
    updated["status"] = {"lastSchedule": schedule, "observedGeneration": generation}
    ctx.client.update_status(updated)
    return None
