"""The approver's console: server-rendered pages at ``/console/`` (docs/console.md)."""
