#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Writes lazy-libs.c: forwarders that dlopen a library at its first call.

    src/berth/gen-lazy-libs.py BUILD_DIR | clang-format --assume-filename=x.c > src/berth/lazy-libs.c

The berth CLI defines, through lazy-libs.c, every function of libarchive,
libcrypto and libnftables that libberth calls; the linker then resolves
libberth's calls to those forwarders and (--as-needed) leaves the libraries
out of the executable's NEEDED list. The prototypes come from the real
headers (cc -E), so a forwarder that does not match its declaration fails to
compile. Re-run after libberth calls a new function of these libraries (the
link fails with an undefined reference otherwise... or, when the library is
still on the link line, it just gets linked eagerly again: check with
`readelf -d berth | grep NEEDED`).
"""
import glob
import re
import subprocess
import sys

LIBS = [
    # (C name, soname, headers, symbol prefix regex)
    ("archive", "libarchive.so.13", ["archive.h", "archive_entry.h"], r"archive_"),
    ("crypto", "libcrypto.so.3", ["openssl/evp.h"], r"EVP_"),
    ("nftables", "libnftables.so.1", ["nftables/libnftables.h"], r"nft_"),
]
TYPE_WORDS = {"int", "char", "long", "short", "unsigned", "signed", "void", "size_t", "int64_t", "uint32_t",
              "la_int64_t", "la_ssize_t", "time_t", "dev_t", "mode_t", "wchar_t", "const", "uint64_t", "ssize_t",
              "bool", "_Bool", "struct", "enum", "la_mode_t", "FILE", "int32_t", "uint8_t", "uint16_t",
              "unsigned char"}


# Variadic functions: formatted here, passed on as "%s".
SPECIAL = {
    "archive_set_error": """void archive_set_error(struct archive *a, int code, const char *fmt, ...)
{
        static __typeof__(archive_set_error) *fn;
        char msg[1024];
        va_list ap;

        if (!fn)
                *(void **)&fn = lazy_sym(LAZY_ARCHIVE, "archive_set_error");
        va_start(ap, fmt);
        vsnprintf(msg, sizeof(msg), fmt, ap);
        va_end(ap);
        fn(a, code, "%s", msg);
}
""",
}


def used_symbols(build):
    objs = glob.glob(build + "/src/libberth/libberth.a") + glob.glob(build + "/src/berth/libberth_cli.a") + \
        [o for o in glob.glob(build + "/src/berth/berth.p/*.o") if "lazy-libs" not in o]
    out = subprocess.run(["nm", "-u"] + objs, capture_output=True, text=True).stdout
    return {line.split()[-1] for line in out.splitlines() if line.strip() and len(line.split()) >= 2}


def declarations(headers):
    src = "".join("#include <%s>\n" % h for h in headers)
    text = subprocess.run(["cc", "-E", "-P", "-D_GNU_SOURCE", "-"], input=src, capture_output=True, text=True,
                          check=True).stdout
    text = re.sub(r"__attribute__\s*\(\((?:[^()]|\((?:[^()]|\([^()]*\))*\))*\)\)", "", text)
    text = re.sub(r"\b(extern|__extension__|__inline|inline)\b", "", text)
    return re.sub(r"\s+", " ", text)


def split_params(p):
    out, depth, cur = [], 0, ""
    for ch in p:
        if ch == "," and depth == 0:
            out.append(cur.strip())
            cur = ""
            continue
        depth += ch in "(["
        depth -= ch in ")]"
        cur += ch
    if cur.strip():
        out.append(cur.strip())
    return out


def name_param(p, i):
    name = "a%d" % i
    if "(" in p:  # a function pointer: (*name)
        return re.sub(r"\(\s*\*\s*\w*\s*\)", "(*%s)" % name, p, count=1), name
    toks = re.findall(r"\w+|\S", p)
    if len(toks) >= 2 and re.match(r"^[A-Za-z_]\w*$", toks[-1]) and toks[-1] not in TYPE_WORDS and \
            toks[-2] not in ("struct", "enum", "union") and (toks[-2] in ("*",) or toks[-2] in TYPE_WORDS or
                                                              re.match(r"^\w+_t$", toks[-2]) or toks[-2][0].isupper()
                                                              or toks[-2].startswith("archive") or
                                                              toks[-2].startswith("la_")):
        p = p[: p.rfind(toks[-1])] + name
    else:
        p = p + " " + name
    return p, name


def forwarder(decls, sym, lib):
    m = re.search(r"(?:^|[;}])\s*([^;{}()]*?)\b%s\s*\(" % re.escape(sym), decls)
    if not m:
        sys.exit("no declaration of %s" % sym)
    ret = m.group(1).strip()
    i, depth = m.end(), 1
    start = i
    while depth:
        depth += decls[i] == "("
        depth -= decls[i] == ")"
        i += 1
    params = split_params(decls[start:i - 1])
    if params in ([], ["void"]):
        plist, args = "void", ""
    else:
        if sym in SPECIAL:
            return SPECIAL[sym]
        if "..." in params:
            sys.exit("%s is variadic: add it to SPECIAL" % sym)
        named = [name_param(p, k) for k, p in enumerate(params)]
        plist = ", ".join(p for p, _ in named)
        args = ", ".join(n for _, n in named)
    ret_stmt = "" if ret == "void" else "return "
    return ("%s %s(%s)\n{\n        static __typeof__(%s) *fn;\n\n        if (!fn)\n"
            "                *(void **)&fn = lazy_sym(LAZY_%s, \"%s\");\n        %sfn(%s);\n}\n" %
            (ret, sym, plist, sym, lib.upper(), sym, ret_stmt, args))


def main():
    used = used_symbols(sys.argv[1])
    print(open(sys.argv[0].replace("gen-lazy-libs.py", "lazy-libs.c.in")).read(), end="")
    for lib, _, headers, prefix in LIBS:
        decls = declarations(headers)
        syms = sorted(s for s in used if re.match(prefix, s) and re.search(r"\b%s\s*\(" % re.escape(s), decls))
        print("\n/* ---- lib%s: %d functions */\n" % (lib, len(syms)))
        print("\n".join(forwarder(decls, s, lib) for s in syms))


main()
