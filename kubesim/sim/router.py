"""Which consumers an event goes to: the fan-out of the API server's watch cache.

Each consumer's informers watch some kinds; a watch with a field selector (a kubelet's
`spec.nodeName=node-1`) is found through an index on that field's value, as the watch cache
indexes pods by spec.nodeName, instead of asking every kubelet about every pod. Routing by value
relies on the field never changing once set (true of spec.nodeName and metadata.name); informers
with another filter are asked (`Informer.wants`). Used by sim/controlplane.py.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from kubesim.controllers.base import InformerSpec, field_value

if TYPE_CHECKING:
    from kubesim.api.server import WatchEvent
    from kubesim.sim.consumer import Consumer

KindKey = tuple[str, str]  # (group, kind)


class Router:
    def __init__(self) -> None:
        self._order: dict[str, int] = {}
        self._all: dict[KindKey, list[Consumer]] = {}
        self._by_field: dict[KindKey, dict[str, dict[str, list[Consumer]]]] = {}
        self._filtered: dict[KindKey, list[Consumer]] = {}

    def add(self, consumer: Consumer, specs: list[InformerSpec]) -> None:
        self._order[consumer.name] = len(self._order)
        for spec in specs:
            informer = consumer.informers[spec.kind]
            key = (informer.kind.group, informer.kind.kind)
            if spec.accept is not None:
                self._filtered.setdefault(key, []).append(consumer)
            elif spec.field_selector is not None:
                path, value = spec.field_selector
                by_value = self._by_field.setdefault(key, {}).setdefault(path, {})
                by_value.setdefault(value, []).append(consumer)
            else:
                self._all.setdefault(key, []).append(consumer)

    def targets(self, ev: WatchEvent) -> list[Consumer]:
        """The consumers that receive `ev`, in the order they were added."""
        key = (ev.kind.group, ev.kind.kind)
        targets = list(self._all.get(key, ()))
        for path, by_value in self._by_field.get(key, {}).items():
            targets += by_value.get(field_value(ev.obj, path), ())
        for consumer in self._filtered.get(key, ()):
            if any(i.wants(ev) for i in consumer.informers.values()):
                targets.append(consumer)
        if len(targets) > 1:
            targets.sort(key=lambda c: self._order[c.name])
        return targets
