package io.hapg.testkit;

import java.util.List;

/** Something that started processes whose logs a failing test should show. */
public interface ProcessOwner {
    /** The processes started so far, alive or not. */
    List<ManagedProcess> processes();
}
