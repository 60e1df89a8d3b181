"""The app module imports, and its chart is built from a real run."""

import app
from abm.simulate import simulate


def test_app_page_and_chart():
    assert callable(app.Page)
    run = simulate("baseline", scale=2000, seed=0, end_year=2022)
    figure = app.emissions_figure(run)
    assert figure.axes and figure.axes[0].get_ylabel() == "Mt CO2 per year"
