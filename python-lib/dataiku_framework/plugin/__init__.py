"""What the DSS plugin components (macros, scenario steps, webapps) call.

Why a package of its own: the components under ``python-runnables/`` and
``python-steps/`` must stay thin (read parameters, call one function, present
the result) because they can only run inside DSS. Everything they do is here,
one module per feature, free of ``import dataiku`` so it is tested outside DSS
with a real ``dataikuapi`` client.
"""
