"""Synthetic personal identifiers for the roster generator: Chinese names, romanised e-mail
local parts and checksum-valid (but invented) Taiwanese national ID numbers, vectorised."""

from __future__ import annotations

import numpy as np
import pandas as pd

# Common Taiwanese surnames with a Wade-Giles style romanisation (as used on passports).
SURNAMES: tuple[tuple[str, str], ...] = (
    ("陳", "chen"),
    ("林", "lin"),
    ("黃", "huang"),
    ("張", "chang"),
    ("李", "li"),
    ("王", "wang"),
    ("吳", "wu"),
    ("劉", "liu"),
    ("蔡", "tsai"),
    ("楊", "yang"),
    ("許", "hsu"),
    ("鄭", "cheng"),
    ("謝", "hsieh"),
    ("洪", "hung"),
    ("郭", "kuo"),
    ("邱", "chiu"),
    ("曾", "tseng"),
    ("廖", "liao"),
    ("賴", "lai"),
    ("徐", "hsu"),
    ("周", "chou"),
    ("葉", "yeh"),
    ("蘇", "su"),
    ("莊", "chuang"),
    ("呂", "lu"),
    ("江", "chiang"),
    ("何", "ho"),
    ("蕭", "hsiao"),
    ("羅", "lo"),
    ("高", "kao"),
    ("潘", "pan"),
    ("簡", "chien"),
    ("朱", "chu"),
    ("鍾", "chung"),
    ("游", "yu"),
    ("彭", "peng"),
    ("詹", "chan"),
    ("胡", "hu"),
    ("施", "shih"),
    ("沈", "shen"),
    ("余", "yu"),
    ("盧", "lu"),
    ("梁", "liang"),
    ("趙", "chao"),
    ("顏", "yen"),
    ("柯", "ko"),
    ("翁", "weng"),
    ("魏", "wei"),
    ("孫", "sun"),
    ("戴", "tai"),
    ("范", "fan"),
    ("方", "fang"),
    ("宋", "sung"),
    ("鄧", "teng"),
    ("杜", "tu"),
    ("傅", "fu"),
    ("侯", "hou"),
    ("曹", "tsao"),
    ("薛", "hsueh"),
    ("丁", "ting"),
    ("卓", "cho"),
    ("馬", "ma"),
    ("董", "tung"),
    ("唐", "tang"),
    ("藍", "lan"),
    ("石", "shih"),
    ("蔣", "chiang"),
    ("古", "ku"),
    ("紀", "chi"),
    ("姚", "yao"),
    ("連", "lien"),
    ("馮", "feng"),
)
# Relative frequency: the first surnames are far more common (陳 ~11 %, 林 ~8 %, ...).
_SURNAME_WEIGHTS = np.array([1.0 / (i + 1) ** 0.9 for i in range(len(SURNAMES))])

GIVEN_CHARS: tuple[tuple[str, str], ...] = (
    ("雅", "ya"),
    ("婷", "ting"),
    ("怡", "yi"),
    ("君", "chun"),
    ("家", "chia"),
    ("豪", "hao"),
    ("志", "chih"),
    ("明", "ming"),
    ("俊", "chun"),
    ("宏", "hung"),
    ("建", "chien"),
    ("文", "wen"),
    ("淑", "shu"),
    ("芬", "fen"),
    ("美", "mei"),
    ("玲", "ling"),
    ("惠", "hui"),
    ("秀", "hsiu"),
    ("佳", "chia"),
    ("欣", "hsin"),
    ("宇", "yu"),
    ("柏", "po"),
    ("翰", "han"),
    ("彥", "yen"),
    ("廷", "ting"),
    ("冠", "kuan"),
    ("承", "cheng"),
    ("哲", "che"),
    ("偉", "wei"),
    ("政", "cheng"),
    ("國", "kuo"),
    ("華", "hua"),
    ("嘉", "chia"),
    ("慧", "hui"),
    ("珮", "pei"),
    ("筱", "hsiao"),
    ("瑋", "wei"),
    ("詩", "shih"),
    ("涵", "han"),
    ("思", "szu"),
    ("育", "yu"),
    ("正", "cheng"),
    ("信", "hsin"),
    ("仁", "jen"),
    ("德", "te"),
    ("安", "an"),
    ("平", "ping"),
    ("立", "li"),
    ("昌", "chang"),
    ("榮", "jung"),
    ("如", "ju"),
    ("芳", "fang"),
    ("琪", "chi"),
    ("蓉", "jung"),
    ("智", "chih"),
    ("凱", "kai"),
    ("書", "shu"),
    ("銘", "ming"),
    ("倫", "lun"),
    ("子", "tzu"),
)

# Letter codes of the national ID check-digit algorithm (A=10 ... Z=33, with the historic gaps).
ID_LETTER_CODES: dict[str, int] = {
    "A": 10, "B": 11, "C": 12, "D": 13, "E": 14, "F": 15, "G": 16, "H": 17, "I": 34, "J": 18,
    "K": 19, "L": 20, "M": 21, "N": 22, "O": 35, "P": 23, "Q": 24, "R": 25, "S": 26, "T": 27,
    "U": 28, "V": 29, "W": 32, "X": 30, "Y": 31, "Z": 33,
}  # fmt: skip
_ID_WEIGHTS = np.array([8, 7, 6, 5, 4, 3, 2, 1])


def national_id_is_valid(nid: str) -> bool:
    """Format and check digit of a Taiwanese national ID (letter, 1/2, 8 digits)."""
    if len(nid) != 10 or nid[0] not in ID_LETTER_CODES or nid[1] not in "12" or not nid[1:].isdigit():
        return False
    code = ID_LETTER_CODES[nid[0]]
    digits = [int(c) for c in nid[1:]]
    total = code // 10 + (code % 10) * 9 + sum(d * w for d, w in zip(digits[:8], _ID_WEIGHTS, strict=True))
    return (total + digits[8]) % 10 == 0


def national_ids(rng: np.random.Generator, is_male: np.ndarray) -> np.ndarray:
    """Unique, checksum-valid national IDs; the second digit follows sex (1 male, 2 female)."""
    n = len(is_male)
    letters = np.array(sorted(ID_LETTER_CODES))
    codes = np.array([ID_LETTER_CODES[c] for c in letters])
    out = np.empty(n, dtype=object)
    todo = np.arange(n)
    seen: set[str] = set()
    while len(todo):
        li = rng.integers(0, len(letters), len(todo))
        body = rng.integers(0, 10, (len(todo), 7))
        sexd = np.where(is_male[todo], 1, 2)
        digits = np.column_stack([sexd, body])  # the 8 digits before the check digit
        code = codes[li]
        total = code // 10 + (code % 10) * 9 + digits @ _ID_WEIGHTS
        check = (10 - total % 10) % 10
        retry = []
        for j, idx in enumerate(todo):
            nid = letters[li[j]] + "".join(str(d) for d in digits[j]) + str(check[j])
            if nid in seen:
                retry.append(idx)
                continue
            seen.add(nid)
            out[idx] = nid
        todo = np.array(retry, dtype=int)
    return out


def names_and_emails(rng: np.random.Generator, domains: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Chinese full names and unique e-mails given.surname@domain (numbered on collision)."""
    n = len(domains)
    w = _SURNAME_WEIGHTS / _SURNAME_WEIGHTS.sum()
    s = rng.choice(len(SURNAMES), n, p=w)
    g1 = rng.integers(0, len(GIVEN_CHARS), n)
    g2 = rng.integers(0, len(GIVEN_CHARS), n)
    sz = np.array([x[0] for x in SURNAMES], dtype=object)
    sr = np.array([x[1] for x in SURNAMES], dtype=object)
    gz = np.array([x[0] for x in GIVEN_CHARS], dtype=object)
    gr = np.array([x[1] for x in GIVEN_CHARS], dtype=object)
    names = sz[s] + gz[g1] + gz[g2]
    local = pd.Series(gr[g1] + gr[g2] + "." + sr[s] + "@" + domains.astype(object))
    # A second person with the same address gets a number, as mail administrators do.
    dup = local.groupby(local).cumcount().to_numpy()
    user, dom = local.str.split("@", n=1).str[0], local.str.split("@", n=1).str[1]
    suffix = np.where(dup > 0, (dup + 1).astype(str), "")
    emails = (user + pd.Series(suffix, dtype=object) + "@" + dom).to_numpy(dtype=object)
    return names.astype(object), emails
