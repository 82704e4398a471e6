// How long a test waits for an in-process sandbox on loopback to answer. Not a timing
// under test — a bound so a lost answer still ends the test. It is generous because the
// whole suite shares two cores and other suites wait for child processes on the
// cooperative pool: a 2 s bound timed out under a load average of 5.

public enum LoopbackTimeout {
    public static let answer: Duration = .seconds(30)
}
