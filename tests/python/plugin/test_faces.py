"""Every face of the plugin shows a failure as ``error[CODE]: message`` (``plugin.faces``), with a code
of the one catalogue: the failure's own, DSS's refusal's, or ``plugin.failed`` for an unforeseen one.
(The components themselves, run as DSS runs them, are checked in their own tests.)"""
import pytest
from dataikuapi.utils import DataikuException

from dataiku_framework.errors import CATALOGUE
from dataiku_framework.plugin.faces import ComponentFailure, coded_errors, failure_code
from dataiku_framework.state.lock import LockError


@pytest.mark.parametrize("error, code", [
    (LockError("no lock of id L2"), "lock.error"),
    (DataikuException("com.dataiku.dip.exceptions.UnauthorizedException: Action forbidden"), "dss.forbidden"),
    (DataikuException("com.dataiku.dip.exceptions.UnknownObjectException: no such scenario"), "dss.refused"),
    (RuntimeError("an unforeseen failure"), "plugin.failed"),
])
def test_a_failure_keeps_its_class_and_gains_its_code(error, code):
    with pytest.raises(type(error)) as caught:
        with coded_errors():
            raise error
    assert caught.value is error and failure_code(error) == code and code in CATALOGUE
    assert str(caught.value).startswith("error[%s]: " % code), str(caught.value)
    assert "com.dataiku" not in str(caught.value)  # DSS's words, not its Java class


def test_a_failure_wording_its_own_message_is_named_by_its_class():
    with pytest.raises(ComponentFailure) as caught:
        with coded_errors():
            {}["framework_apply_id"]
    assert str(caught.value) == "error[plugin.failed]: KeyError: 'framework_apply_id'"
    assert isinstance(caught.value.__cause__, KeyError)


def test_a_component_failure_is_coded_once():
    with pytest.raises(ComponentFailure) as caught:
        with coded_errors():
            raise ComponentFailure("plugin.drift", "Project P differs from configuration 'project.yaml'")
    assert str(caught.value) == "error[plugin.drift]: Project P differs from configuration 'project.yaml'"
