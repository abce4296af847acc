/* Compiled forms of the per-word loops of the prepare stage: normalize._analyze_words and line_key.
 *
 * normalize.py holds the reference implementation in Python and uses this one
 * when it was built; tests/test_speedups.py checks that both give the same
 * result. The tokenizer follows normalize._CASED_WORD_OR_QUOTE exactly:
 * ASCII letters and digits joined by single ' . , - characters, or a double quote.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>

static int
is_alnum(Py_UCS4 c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

static int
is_joiner(Py_UCS4 c)
{
    return c == '\'' || c == '.' || c == ',' || c == '-';
}

/* The end of the word starting at ``i`` (an ASCII letter or digit there): runs of
 * letters and digits joined by single joiners, as [A-Za-z0-9]+(?:['.,-][A-Za-z0-9]+)*. */
static inline Py_ssize_t
word_end(int kind, const void *data, Py_ssize_t n, Py_ssize_t i)
{
    for (;;) {
        while (i < n && is_alnum(PyUnicode_READ(kind, data, i))) {
            i++;
        }
        if (i + 1 < n && is_joiner(PyUnicode_READ(kind, data, i)) && is_alnum(PyUnicode_READ(kind, data, i + 1))) {
            i += 2;
            continue;
        }
        return i;
    }
}

/* Growable arrays of the words' info tuples (owned references) and quote flags. */
typedef struct {
    PyObject **infos;
    char *quoted;
    Py_ssize_t size;
    Py_ssize_t capacity;
} Words;

static void
words_clear(Words *w)
{
    for (Py_ssize_t k = 0; k < w->size; k++) {
        Py_DECREF(w->infos[k]);
    }
    PyMem_Free(w->infos);
    PyMem_Free(w->quoted);
}

static int
words_push(Words *w, PyObject *info, char quoted)
{
    if (w->size == w->capacity) {
        Py_ssize_t capacity = w->capacity ? 2 * w->capacity : 32;
        PyObject **infos = PyMem_Realloc(w->infos, capacity * sizeof(PyObject *));
        if (infos == NULL) {
            PyErr_NoMemory();
            return -1;
        }
        w->infos = infos;
        char *flags = PyMem_Realloc(w->quoted, capacity);
        if (flags == NULL) {
            PyErr_NoMemory();
            return -1;
        }
        w->quoted = flags;
        w->capacity = capacity;
    }
    w->infos[w->size] = info;
    w->quoted[w->size] = quoted;
    w->size++;
    return 0;
}

/* Tokenize ``sentence`` and look up each word with ``word``, toggling the quote state at '"'. */
static int
read_words(PyObject *sentence, int *in_quote, PyObject *word, Words *out)
{
    int kind = PyUnicode_KIND(sentence);
    const void *data = PyUnicode_DATA(sentence);
    Py_ssize_t n = PyUnicode_GET_LENGTH(sentence);
    Py_ssize_t i = 0;
    while (i < n) {
        Py_UCS4 c = PyUnicode_READ(kind, data, i);
        if (c == '"') {
            *in_quote = !*in_quote;
            i++;
            continue;
        }
        if (!is_alnum(c)) {
            i++;
            continue;
        }
        Py_ssize_t start = i;
        i = word_end(kind, data, n, i);
        PyObject *token = PyUnicode_Substring(sentence, start, i);
        if (token == NULL) {
            return -1;
        }
        PyObject *info = PyObject_CallOneArg(word, token);
        Py_DECREF(token);
        if (info == NULL) {
            return -1;
        }
        if (!PyTuple_Check(info) || PyTuple_GET_SIZE(info) != 5) {
            Py_DECREF(info);
            PyErr_SetString(PyExc_TypeError, "word() must return a tuple of 5 items");
            return -1;
        }
        if (words_push(out, info, (char)*in_quote) < 0) {
            Py_DECREF(info);
            return -1;
        }
    }
    return 0;
}

static int
flag(PyObject *info, Py_ssize_t k)
{
    return PyObject_IsTrue(PyTuple_GET_ITEM(info, k));
}

/* "a b" */
static PyObject *
joined(PyObject *a, PyObject *b)
{
    Py_ssize_t na = PyUnicode_GET_LENGTH(a), nb = PyUnicode_GET_LENGTH(b);
    Py_UCS4 widest = Py_MAX(PyUnicode_MAX_CHAR_VALUE(a), PyUnicode_MAX_CHAR_VALUE(b));
    PyObject *out = PyUnicode_New(na + 1 + nb, widest);
    if (out == NULL) {
        return NULL;
    }
    if (PyUnicode_CopyCharacters(out, 0, a, 0, na) < 0 || PyUnicode_CopyCharacters(out, na + 1, b, 0, nb) < 0) {
        Py_DECREF(out);
        return NULL;
    }
    PyUnicode_WRITE(PyUnicode_KIND(out), PyUnicode_DATA(out), na, ' ');
    return out;
}

/* The sorted, interned "stem stem" pairs of adjacent content words that are the writer's own. */
static PyObject *
phrases_of(PyObject *stems, const char *names, const char *quoted, const char *numbers)
{
    Py_ssize_t m = PyTuple_GET_SIZE(stems);
    PyObject *found = PySet_New(NULL);
    if (found == NULL) {
        return NULL;
    }
    for (Py_ssize_t k = 0; k + 1 < m; k++) {
        if ((names[k] && names[k + 1]) || (quoted[k] && quoted[k + 1]) || numbers[k] || numbers[k + 1]) {
            continue;
        }
        PyObject *pair = joined(PyTuple_GET_ITEM(stems, k), PyTuple_GET_ITEM(stems, k + 1));
        if (pair == NULL) {
            Py_DECREF(found);
            return NULL;
        }
        PyUnicode_InternInPlace(&pair);
        int failed = PySet_Add(found, pair);
        Py_DECREF(pair);
        if (failed < 0) {
            Py_DECREF(found);
            return NULL;
        }
    }
    PyObject *listed = PySequence_List(found);
    Py_DECREF(found);
    if (listed == NULL) {
        return NULL;
    }
    if (PyList_Sort(listed) < 0) {
        Py_DECREF(listed);
        return NULL;
    }
    PyObject *out = PyList_AsTuple(listed);
    Py_DECREF(listed);
    return out;
}

static PyObject *
analyze_words(PyObject *module, PyObject *const *args, Py_ssize_t nargs)
{
    if (nargs != 3) {
        PyErr_SetString(PyExc_TypeError, "analyze_words(sentence, in_quote, word) takes 3 arguments");
        return NULL;
    }
    PyObject *sentence = args[0], *word = args[2];
    if (!PyUnicode_Check(sentence)) {
        PyErr_SetString(PyExc_TypeError, "sentence must be a str");
        return NULL;
    }
    int in_quote = PyObject_IsTrue(args[1]);
    if (in_quote < 0) {
        return NULL;
    }
    Words w = {NULL, NULL, 0, 0};
    PyObject *lowers = NULL, *stems = NULL, *names = NULL, *quoted = NULL, *phrases = NULL, *result = NULL;
    char *flags = NULL;
    if (read_words(sentence, &in_quote, word, &w) < 0) {
        goto done;
    }
    lowers = PyList_New(w.size);
    if (lowers == NULL) {
        goto done;
    }
    Py_ssize_t m = 0;
    for (Py_ssize_t k = 0; k < w.size; k++) {
        PyObject *lower = PyTuple_GET_ITEM(w.infos[k], 0);
        Py_INCREF(lower);
        PyList_SET_ITEM(lowers, k, lower);
        PyObject *stem = PyTuple_GET_ITEM(w.infos[k], 1);
        if (!PyUnicode_Check(stem)) {
            PyErr_SetString(PyExc_TypeError, "word() must give the stem as a str");
            goto done;
        }
        m += PyUnicode_GET_LENGTH(stem) > 0;
    }
    /* names, quoted and numbers flags of the content words, one after the other */
    flags = PyMem_Malloc(3 * (size_t)m + 1);
    stems = PyTuple_New(m);
    names = PyTuple_New(m);
    quoted = PyTuple_New(m);
    if (flags == NULL || stems == NULL || names == NULL || quoted == NULL) {
        if (flags == NULL) {
            PyErr_NoMemory();
        }
        goto done;
    }
    char *name_flags = flags, *quote_flags = flags + m, *number_flags = flags + 2 * m;
    Py_ssize_t j = 0;
    for (Py_ssize_t k = 0; k < w.size; k++) {
        PyObject *info = w.infos[k];
        PyObject *stem = PyTuple_GET_ITEM(info, 1);
        if (PyUnicode_GET_LENGTH(stem) == 0) {
            continue;
        }
        int digit = flag(info, 2), capital = flag(info, 3), number = flag(info, 4);
        if (digit < 0 || capital < 0 || number < 0) {
            goto done;
        }
        name_flags[j] = (char)(digit || (capital && k > 0));
        quote_flags[j] = w.quoted[k];
        number_flags[j] = (char)number;
        Py_INCREF(stem);
        PyTuple_SET_ITEM(stems, j, stem);
        PyTuple_SET_ITEM(names, j, Py_NewRef(name_flags[j] ? Py_True : Py_False));
        PyTuple_SET_ITEM(quoted, j, Py_NewRef(quote_flags[j] ? Py_True : Py_False));
        j++;
    }
    phrases = phrases_of(stems, name_flags, quote_flags, number_flags);
    if (phrases == NULL) {
        goto done;
    }
    result = Py_BuildValue("(OOOOOO)", lowers, stems, names, quoted, phrases, in_quote ? Py_True : Py_False);
done:
    words_clear(&w);
    PyMem_Free(flags);
    Py_XDECREF(lowers);
    Py_XDECREF(stems);
    Py_XDECREF(names);
    Py_XDECREF(quoted);
    Py_XDECREF(phrases);
    return result;
}

/* normalize.line_key of an ASCII line: its lower-cased words joined by single spaces. */
static PyObject *
ascii_line_key(PyObject *module, PyObject *line)
{
    if (!PyUnicode_Check(line) || !PyUnicode_IS_ASCII(line)) {
        PyErr_SetString(PyExc_TypeError, "ascii_line_key takes an ASCII str");
        return NULL;
    }
    const char *text = (const char *)PyUnicode_1BYTE_DATA(line);
    Py_ssize_t n = PyUnicode_GET_LENGTH(line), i = 0, size = 0;
    char *out = PyMem_Malloc((size_t)n + 1);
    if (out == NULL) {
        return PyErr_NoMemory();
    }
    while (i < n) {
        if (!is_alnum((Py_UCS4)text[i])) {
            i++;
            continue;
        }
        if (size) {
            out[size++] = ' ';
        }
        for (Py_ssize_t end = word_end(PyUnicode_1BYTE_KIND, text, n, i); i < end; i++) {
            char c = text[i];
            out[size++] = (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : c;
        }
    }
    PyObject *key = PyUnicode_DecodeASCII(out, size, NULL);
    PyMem_Free(out);
    return key;
}

static PyMethodDef methods[] = {
    {"ascii_line_key", ascii_line_key, METH_O,
     "ascii_line_key(line) -> str\n\nThe compiled form of dedup.normalize.line_key for an ASCII line."},
    {"analyze_words", (PyCFunction)(void (*)(void))analyze_words, METH_FASTCALL,
     "analyze_words(sentence, in_quote, word) -> (words, stems, names, quoted, phrases, in_quote)\n\n"
     "The compiled form of dedup.normalize._analyze_words (see there)."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT,
    "dedup._speedups",
    "Compiled forms of the per-word loops of dedup.normalize (optional: the Python forms are the reference).",
    -1,
    methods,
};

PyMODINIT_FUNC
PyInit__speedups(void)
{
    return PyModule_Create(&module);
}
