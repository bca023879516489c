"""Conformance checks with Debian's python3-kubernetes (a client nobody here wrote).

Run by test/integration/engine/apiserver/conformance.test.ts against the in-process
API server:  /usr/bin/python3 python_client.py KUBECONFIG

Each check prints `ok NAME` or `FAIL NAME: why`; the exit status is the
number of failures. The server has the test CRDs (widgets.test.rdd.io) and a
small revision log, so the 410 path is reachable.
"""
import sys
import traceback

from kubernetes import client, config, dynamic, watch
from kubernetes.client.rest import ApiException

NS = "default"
failures = 0


def check(fn):
    global failures
    try:
        fn()
        print(f"ok {fn.__name__}", flush=True)
    except Exception:  # noqa: BLE001 - every failure is reported, none stops the run
        failures += 1
        print(f"FAIL {fn.__name__}: {traceback.format_exc()}", flush=True)
    return fn


api_client = config.new_client_from_config(config_file=sys.argv[1])
core = client.CoreV1Api(api_client)
custom = client.CustomObjectsApi(api_client)
dyn = dynamic.DynamicClient(api_client)
widgets = dyn.resources.get(api_version="test.rdd.io/v1", kind="Widget")


def cm(name, data):
    return client.V1ConfigMap(metadata=client.V1ObjectMeta(name=name, labels={"suite": "py"}), data=data)


@check
def typed_create_list_patch():
    core.create_namespaced_config_map(NS, cm("py-a", {"k": "1"}))
    core.patch_namespaced_config_map("py-a", NS, {"data": {"k": "2"}})
    got = core.read_namespaced_config_map("py-a", NS)
    assert got.data == {"k": "2"}, got.data
    names = [i.metadata.name for i in core.list_namespaced_config_map(NS, label_selector="suite=py").items]
    assert names == ["py-a"], names


@check
def typed_limit_continue():
    for n in ("py-b", "py-c", "py-d"):
        core.create_namespaced_config_map(NS, cm(n, {}))
    seen, token, pages = [], None, 0
    while True:
        page = core.list_namespaced_config_map(NS, label_selector="suite=py", limit=1, _continue=token)
        seen += [i.metadata.name for i in page.items]
        pages += 1
        token = page.metadata._continue
        if not token:
            break
    assert seen == ["py-a", "py-b", "py-c", "py-d"], seen
    assert pages == 4, pages
    first = core.list_namespaced_config_map(NS, limit=2)
    assert first.metadata.remaining_item_count is not None and first.metadata.remaining_item_count >= 2, first.metadata


@check
def typed_watch_and_resume():
    start = core.list_namespaced_config_map(NS).metadata.resource_version
    core.create_namespaced_config_map(NS, cm("py-w1", {}))
    core.delete_namespaced_config_map("py-w1", NS)
    w = watch.Watch()
    events = []
    for ev in w.stream(core.list_namespaced_config_map, NS, resource_version=start, timeout_seconds=2):
        events.append((ev["type"], ev["object"].metadata.name))
        if len(events) == 2:
            w.stop()
    assert events == [("ADDED", "py-w1"), ("DELETED", "py-w1")], events


@check
def typed_watch_initial_state():
    w = watch.Watch()
    names = [ev["object"].metadata.name for ev in w.stream(core.list_namespaced_config_map, NS, label_selector="suite=py", timeout_seconds=1)]
    assert names == ["py-a", "py-b", "py-c", "py-d"], names


@check
def dynamic_create_list_patch_watch():
    widgets.create(body={"apiVersion": "test.rdd.io/v1", "kind": "Widget", "metadata": {"name": "py-dw"}, "spec": {"color": "red"}}, namespace=NS)
    widgets.patch(name="py-dw", namespace=NS, body={"spec": {"color": "blue"}}, content_type="application/merge-patch+json")
    listed = widgets.get(namespace=NS, field_selector="spec.color=blue")
    assert [i.metadata.name for i in listed.items] == ["py-dw"], listed
    rv = listed.metadata.resourceVersion
    widgets.patch(name="py-dw", namespace=NS, body={"spec": {"size": 5}}, content_type="application/merge-patch+json")
    got = []
    for ev in widgets.watch(namespace=NS, resource_version=rv, timeout=2):
        got.append((ev["type"], ev["object"].metadata.name, ev["object"].spec.size))
        break
    assert got == [("MODIFIED", "py-dw", 5)], got


@check
def watch_gone_after_compaction():
    old = core.list_namespaced_config_map(NS).metadata.resource_version
    for i in range(40):
        core.patch_namespaced_config_map("py-a", NS, {"data": {"k": str(i)}})
    try:
        for _ in watch.Watch().stream(core.list_namespaced_config_map, NS, resource_version=old, timeout_seconds=2):
            pass
    except ApiException as err:
        assert err.status == 410, err
        return
    raise AssertionError("watch from a compacted resourceVersion did not end in 410")


@check
def continue_gone_after_compaction():
    token = core.list_namespaced_config_map(NS, limit=1).metadata._continue
    for i in range(40):
        core.patch_namespaced_config_map("py-a", NS, {"data": {"k": f"c{i}"}})
    try:
        core.list_namespaced_config_map(NS, limit=1, _continue=token)
    except ApiException as err:
        assert err.status == 410, err
        return
    raise AssertionError("an expired continue token was accepted")


@check
def access_review():
    review = client.V1SelfSubjectAccessReview(
        spec=client.V1SelfSubjectAccessReviewSpec(resource_attributes=client.V1ResourceAttributes(verb="create", group="test.rdd.io", resource="widgets"))
    )
    out = client.AuthorizationV1Api(api_client).create_self_subject_access_review(review)
    assert out.status.allowed is True, out.status


@check
def events_by_field_selector():
    core.create_namespaced_event(
        NS,
        client.CoreV1Event(
            metadata=client.V1ObjectMeta(name="py-ev"),
            involved_object=client.V1ObjectReference(kind="Widget", name="py-dw", namespace=NS),
            reason="Tested",
            message="from python",
            type="Normal",
        ),
    )
    got = core.list_namespaced_event(NS, field_selector="involvedObject.name=py-dw,reason=Tested").items
    assert [e.message for e in got] == ["from python"], got
    v1 = client.EventsV1Api(api_client).list_namespaced_event(NS, field_selector="regarding.name=py-dw").items
    assert [e.note for e in v1] == ["from python"], v1


@check
def secrets_and_leases():
    core.create_namespaced_secret(NS, client.V1Secret(metadata=client.V1ObjectMeta(name="py-s"), string_data={"pw": "x"}))
    assert core.read_namespaced_secret("py-s", NS).data == {"pw": "eA=="}
    lease = client.V1Lease(metadata=client.V1ObjectMeta(name="py-l"), spec=client.V1LeaseSpec(holder_identity="py", lease_duration_seconds=10))
    client.CoordinationV1Api(api_client).create_namespaced_lease(NS, lease)


sys.exit(failures)
