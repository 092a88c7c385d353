"""Calibrate the red-mud leaching sets (k0, X_max) to their published endpoints.

Reproducible: reads the endpoints and conditions from ``redmud/data/leaching.toml``
([calibration.<set>.<block>]), runs the leach operation's own batch model on the reference red
mud ([meta].reference_feed) at each block's conditions, and writes the fitted k0 and X_max back
into the data file (``--write``) and prints them. One endpoint per element and two parameters:
the plateau rule closes the fit (X_max = X_end / plateau_fraction below plateau_fraction, else 1),
then k0 is found by bisection on log10(k0). Blocks are swept three times because the major
elements couple through the acid. ``fe_solubility_ref_mol_L`` of [hpal] is recomputed from its
derivation. Run: ``python tools/calibrate_leaching.py [--write]``.
"""

from __future__ import annotations

import argparse
import math
import re
import sys

import numpy as np

from redmud.feedstocks import load_feedstock
from redmud.operations import leaching as L

TRACE_PPM = 100.0          # trace REE added to the reference feed for the calibration only


def reference_feed(elements):
    meta = L.leaching_data()["meta"]
    fs = load_feedstock(meta["reference_feed"])
    overrides = {el: TRACE_PPM * 1e-6 for el in elements if not fs.known(el)}
    return fs.stream(1000.0, overrides), fs


def with_params(kin, data_set, element, k0, x_max):
    """A copy of ``kin`` with one element's k0 and X_max (and its followers') replaced."""
    kin = {k: (v.copy() if isinstance(v, np.ndarray) else v) for k, v in kin.items()}
    followers = [el for el, like in data_set.get("follow", {}).items() if like == element]
    for el in [element, *followers]:
        if el in L.CI:
            kin["k0"][L.CI[el]] = k0
            kin["x_max"][L.CI[el]] = x_max
    return kin


def run_block(kin, block, acid_type, feed):
    spec = L.SPECS["leach"]
    params = spec.parse_parameters({
        "acid_type": acid_type, "reactor": "batch", "n_tanks": 1,
        "acid": block["acid_mol_L"], "liquid_solid_ratio": block["liquid_solid_L_kg"],
        "temperature": f"{block['temperature_C']} degC", "time": block["time_h"]}, "calibration")
    result = spec.run({"feed": feed}, params, {"feedstock": None, "n_samples": 1,
                                               "leach_kinetics": kin})
    # the kinetic dissolution (before gypsum re-precipitation), which the endpoints measure
    return {el: float(result.info[f"dissolved_{el}"][0]) for el in block["elements"]}


def calibrate_set(name, acid_type, sweeps=3):
    data = L.leaching_data()
    data_set = data["sets"][name]
    plateau = data["meta"]["plateau_fraction"]
    blocks = data["calibration"][name]
    feed, _ = reference_feed([el for b in blocks.values() for el in b["elements"]])
    kin = L.kinetic_set(name)
    fitted = {}
    for _ in range(sweeps):
        for label, block in blocks.items():
            for el, target in block["elements"].items():
                i = L.CI[el]
                if "constant_acid_mol_L" in block:
                    x_max = kin["x_max"][i]
                    u = 1.0 - (1.0 - target / x_max) ** (1.0 / 3.0)
                    t_k = L.KELVIN_0C + block["temperature_C"]
                    k = 3.0 * x_max * u / (block["constant_acid_mol_L"] ** kin["order"][i] * block["time_h"])
                    k0 = k * math.exp(kin["ea"][i] / (L.R_GAS * t_k))
                    kin = with_params(kin, data_set, el, k0, x_max)
                    fitted[el] = (k0, x_max, label)
                    continue
                x_max = target / plateau if target < plateau else 1.0
                lo, hi = -10.0, 14.0
                for _ in range(60):
                    mid = 0.5 * (lo + hi)
                    got = run_block(with_params(kin, data_set, el, 10.0 ** mid, x_max), block,
                                    acid_type, feed)[el]
                    lo, hi = (mid, hi) if got < target else (lo, mid)
                k0 = 10.0 ** (0.5 * (lo + hi))
                kin = with_params(kin, data_set, el, k0, x_max)
                fitted[el] = (k0, x_max, label)
    check = {}
    for label, block in blocks.items():
        if "constant_acid_mol_L" not in block:
            check.update({(label, el): (v, block["elements"][el])
                          for el, v in run_block(kin, block, acid_type, feed).items()})
    return fitted, check


def hpal_solubility():
    """[hpal] fe_solubility_ref_mol_L from its derivation (Taguchi point, reference red mud)."""
    _, fs = reference_feed([])
    fe_mol_kg = fs.ppm("Fe") * 1e-6 * 1000.0 / L.ATOMIC_WEIGHTS["Fe"]
    return 0.3244 * fe_mol_kg / (70.0 / 30.0)


def write_values(text, name, fitted):
    for el, (k0, x_max, _) in fitted.items():
        head = f"[sets.{name}.elements.{el}]"
        start = text.index(head)
        end = text.find("\n[", start + len(head))
        block = text[start:end]
        block = re.sub(r"(k0 = \{ value = )[^,]+", rf"\g<1>{k0:.6g}", block)
        block = re.sub(r'(x_max = \{ value = )[^,]+(, tag = "calibrated")', rf"\g<1>{x_max:.6g}\2", block)
        text = text[:start] + block + text[end:]
    return text


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--write", action="store_true", help="write the values into leaching.toml")
    args = parser.parse_args(argv)
    text = L.DATA_FILE.read_text()
    for name, acid in (("red_mud_HCl", "HCl"), ("red_mud_H2SO4", "H2SO4")):
        fitted, check = calibrate_set(name, acid)
        print(f"[{name}]")
        for el, (k0, x_max, label) in fitted.items():
            print(f"  {el:2s} k0 = {k0:.6g} 1/h/(mol/L)^n   x_max = {x_max:.6g}   ({label})")
        for (label, el), (got, target) in check.items():
            print(f"  check {label:10s} {el:2s} model {got:.4f}  endpoint {target:.4f}")
        text = write_values(text, name, fitted)
    c_ref = hpal_solubility()
    print(f"[hpal] fe_solubility_ref_mol_L = {c_ref:.6g}")
    text = re.sub(r"(fe_solubility_ref_mol_L = \{ value = )[^,]+", rf"\g<1>{c_ref:.6g}", text)
    if args.write:
        L.DATA_FILE.write_text(text)
        print(f"written to {L.DATA_FILE}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
