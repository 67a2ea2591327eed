#!/usr/bin/env python3
"""Huge, repetitive inputs for the stack-trace parser: traces-huge.py KIND N.

KIND: java (one trace of N frames), atonly, caused, arrows, py, pyframes,
digits, goroutine, panicked, longline, php, ruby, san, msgcont, blank,
pyindent, pygutter, markup, bugsnag, honeybadger, appcenter, notifier,
django, goindent, rubywrap, chrome: N lines of one shape that could make a careless parser
rescan what it has seen (headers without frames, frames without headers,
cause lines, message continuation lines, indented and guttered Python
headers, error trackers' report headers, Fuchsia markup).  Used by tests/0351-traces-linear.t and the bench.
"""
import sys
kind, n = sys.argv[1], int(sys.argv[2])
KINDS = ("java atonly caused arrows py pyframes digits goroutine panicked longline php ruby san "
         "msgcont blank pyindent pygutter markup bugsnag honeybadger appcenter notifier django "
         "goindent rubywrap chrome").split()
out = sys.stdout
if kind == "java":
    out.write("java.lang.RuntimeException: boom\n")
    for i in range(n): out.write("\tat com.example.Foo.bar%d(Foo.java:%d)\n" % (i, i))
elif kind == "atonly":
    for i in range(n): out.write("    at foo%d (/a/b.js:%d:1)\n" % (i, i))
elif kind == "caused":
    for i in range(n): out.write("Caused by: java.lang.X%d: m\n" % i)
elif kind == "arrows":
    for i in range(n): out.write(" ---> System.Exception: m%d\n" % i)
elif kind == "py":
    for i in range(n): out.write("Traceback (most recent call last):\n")
elif kind == "pyframes":
    out.write("Traceback (most recent call last):\n")
    for i in range(n): out.write('  File "/a/b.py", line %d, in f\n    x()\n' % i)
    out.write("ValueError: x\n")
elif kind == "digits":
    for i in range(n): out.write("%d\n" % (i % 10))
elif kind == "goroutine":
    for i in range(n): out.write("goroutine %d [running]:\n" % i)
elif kind == "panicked":
    for i in range(n): out.write("thread 'main' panicked at src/main.rs:%d:5:\n" % i)
elif kind == "longline":
    out.write("x" * (n * 40) + "\n")
elif kind == "php":
    for i in range(n): out.write("#%d /var/www/a.php(%d): f()\n" % (i, i))
elif kind == "ruby":
    for i in range(n): out.write("\tfrom /a/b.rb:%d:in `f'\n" % i)
elif kind == "san":
    out.write("==1==ERROR: AddressSanitizer: heap-use-after-free on address 0x1\n")
    for i in range(n): out.write("    #%d 0x4 in f%d /a/b.c:%d\n" % (i, i, i))
elif kind == "msgcont":
    out.write("java.lang.RuntimeException: boom\n")
    for i in range(n): out.write("more message text %d\n" % i)
    out.write("\tat a.B.c(B.java:1)\n")
elif kind == "pyindent":
    for i in range(n): out.write("   Traceback (most recent call last):\n")
elif kind == "pygutter":
    for i in range(n): out.write("  | Traceback (most recent call last):\n    |   File \"a.py\", line 1, in f\n")
elif kind == "blank":
    for i in range(n): out.write("\n")
elif kind == "markup":
    out.write("thread 'main' panicked at src/main.rs:1:5:\nboom\nstack backtrace:\n{{{reset:begin}}}\n")
    for i in range(n): out.write("{{{bt:%d:0x%x:ra}}}\n" % (i, 4096 + i))
elif kind == "bugsnag":
    for i in range(n): out.write("**java.lang.IllegalStateException** in **Main**\n")
elif kind == "honeybadger":
    for i in range(n): out.write("## Backtrace\n    line %d of [PROJECT_ROOT]/app/a.rb: f\n" % i)
elif kind == "appcenter":
    out.write("### Stacktrace ###\n")
    for i in range(n): out.write("A.B.C%d(Int32 x);A\n\n" % i)
    out.write("### Reason ###\n\nSystem.Exception: m\n")
elif kind == "notifier":
    for i in range(n): out.write("A NoMethodError occurred in x#y:\n")
elif kind == "django":
    for i in range(n): out.write("Exception Type: OperationalError\n")
elif kind == "goindent":
    for i in range(n): out.write("    panic: boom\n")
elif kind == "rubywrap":
    out.write("NoMethodError (m):\n")
    for i in range(n): out.write("  a/b.rb:%d:in\n`f'\n" % i)
elif kind == "chrome":
    out.write("a.js:1 Uncaught TypeError: x\n")
    for i in range(n): out.write("    at f%d (a.js:%d)\n" % (i, i))
