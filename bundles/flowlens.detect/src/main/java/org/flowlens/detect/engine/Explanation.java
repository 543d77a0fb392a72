package org.flowlens.detect.engine;

import java.util.List;
import java.util.Map;

/**
 * What a detector says about a key over its threshold: a sentence and the top contributors. Built
 * only when an alert is about to be published, so that evaluation stays cheap.
 */
public interface Explanation {
    String message();

    List<Map<String, Object>> evidence();
}
