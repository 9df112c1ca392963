"""Distributed mode: collection and scoring on Celery workers, PostgreSQL as the shared store.

Embedded mode (no ``[workers] broker_url``) runs everything in the ``monitor`` process and
imports nothing from here. With a broker, ``monitor run`` publishes each firing through
:class:`~monitor._workers.dispatch.CeleryDispatcher` and ``monitor worker`` runs the tasks.

Modules, each importing only those before it:

- :mod:`~monitor._workers.routing`: queue and task names; a host's stable collection queue;
- :mod:`~monitor._workers.runtime`: a worker process's config, index and model (loaded once);
- :mod:`~monitor._workers.enqueue`: publishing, noted in the store's waiting list (and a pass's);
- :mod:`~monitor._workers.work`: what each task does against the store (no broker);
- :mod:`~monitor._workers.status`: workers, queue depths, the oldest waiting task;
- :mod:`~monitor._workers.tasks`: the Celery tasks (acks-late, retries, dead letters);
- :mod:`~monitor._workers.app`: the Celery app of a config;
- :mod:`~monitor._workers.dispatch`: the scheduler's dispatcher;
- :mod:`~monitor._workers.once`: ``monitor run --once`` on the workers, waited for;
- :mod:`~monitor._workers.worker`: ``monitor worker``.
"""
