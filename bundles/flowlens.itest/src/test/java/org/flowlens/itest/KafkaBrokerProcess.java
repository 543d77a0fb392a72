package org.flowlens.itest;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Paths;

import org.flowlens.sink.kafka.EmbeddedKafka;

/**
 * The main class of the child JVM that runs {@link KafkaBroker}'s broker: the Kafka sink's
 * {@link EmbeddedKafka} (KRaft, broker and controller in one, on 127.0.0.1), driven by one
 * command per line on standard input ({@code stop}, {@code start}, {@code topic <name> <partitions>})
 * and answering each on standard output with a line that starts with {@link #REPLY}. It stops the
 * broker and exits when its input ends, so it never outlives the test JVM.
 */
public final class KafkaBrokerProcess {
    static final String REPLY = "kafka-broker: ";

    private KafkaBrokerProcess() {}

    public static void main(String[] args) throws Exception {
        EmbeddedKafka kafka;
        try {
            kafka = new EmbeddedKafka(Paths.get(args[0]));
        } catch (Exception | LinkageError e) {
            e.printStackTrace();
            reply("error " + e);
            System.exit(2);
            return;
        }
        reply("ready " + kafka.bootstrap());
        try (BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8))) {
            String line;
            while ((line = in.readLine()) != null) {
                String[] words = line.trim().split(" ");
                try {
                    switch (words[0]) {
                        case "stop" -> {
                            kafka.stop();
                            reply("stopped");
                        }
                        case "start" -> {
                            kafka.start();
                            reply("started");
                        }
                        case "topic" -> {
                            kafka.createTopic(words[1], Integer.parseInt(words[2]));
                            reply("created " + words[1]);
                        }
                        default -> reply("error unknown command " + line);
                    }
                } catch (Exception e) {
                    e.printStackTrace();
                    reply("error " + e);
                }
            }
        } finally {
            kafka.close();
        }
        System.exit(0);
    }

    private static void reply(String text) {
        System.out.println(REPLY + text);
        System.out.flush();
    }
}
