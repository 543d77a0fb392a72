package org.flowlens.web.uitest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import java.util.jar.JarFile;
import java.util.stream.Stream;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.NoAlertPresentException;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.WebDriverWait;


/**
 * The console of the exported runtime jar in Debian's headless Chromium. The runtime runs as its
 * own process, as an operator starts it ({@code java -jar flowlens.jar} in a directory with
 * {@code config/} and {@code plugins/}), on a free loopback port; a realistic mix of flows, including
 * a hostile domain name, is ingested first. Every page must load with data and render its charts,
 * the language switch must work, hostile text must stay text; a screenshot of each page goes to
 * {@code target/screenshots}. Skipped with a message when Chromium, chromedriver or the runtime jar
 * is missing.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ConsoleBrowserTest {
    private static final String[] PAGES = {"overview", "sessions", "ips", "ports", "trend", "alerts", "live", "map", "logs", "events", "collectors"};
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private Process runtime;
    private ChromeDriver driver;
    private String base;
    private Path screenshots;

    @BeforeAll
    void start() throws Exception {
        Assumptions.assumeTrue(new File("/usr/bin/chromium").canExecute() && new File("/usr/bin/chromedriver").canExecute(),
                "Chromium or chromedriver is not installed (apt-get install chromium chromium-driver); skipping the browser tests");
        Path jar = Paths.get(System.getProperty("flowlens.runtimeJar", "../../runtime/target/flowlens.jar"));
        Assumptions.assumeTrue(Files.isRegularFile(jar), "no runtime jar at " + jar + " (build the runtime module first); skipping the browser tests");
        Path work = Paths.get(System.getProperty("flowlens.work", "target/uitest")).toAbsolutePath();
        delete(work);
        Files.createDirectories(work.resolve("config"));
        Files.createDirectories(work.resolve("plugins"));
        try (Stream<Path> cfg = Files.list(Paths.get(System.getProperty("flowlens.config", "../../config")))) {
            for (Path p : (Iterable<Path>) cfg::iterator) {
                Files.copy(p, work.resolve("config").resolve(p.getFileName()));
            }
        }
        int port;
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort();
        }
        base = "http://127.0.0.1:" + port;
        ProcessBuilder pb = new ProcessBuilder(Paths.get(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx512m", "-jar", jar.toAbsolutePath().toString())
                .directory(work.toFile()).redirectErrorStream(true).redirectOutput(work.resolve("flowlens.log").toFile());
        pb.environment().put("FLOWLENS_HTTP_PORT", Integer.toString(port));
        pb.environment().put("FLOWLENS_HTTP_HOST", "127.0.0.1");
        pb.environment().remove("FLOWLENS_ADMIN_PASSWORD");
        runtime = pb.start();
        await("/healthz 200", 60_000, () -> status("/healthz") == 200);
        await("the aggregator", 60_000, () -> status("/api/windows") == 200);
        if (contains(jar, "flowlens.detect")) {
            await("the port scan detector", 60_000, () -> get("/api/alerts").contains("\"portscan\""));
            long[] sent = {0};
            await("the port scan alert", 60_000, () -> {
                if (System.nanoTime() - sent[0] > TimeUnit.SECONDS.toNanos(10)) {
                    // (again if the detector was still starting when the first scan went by)
                    try {
                        assertEquals(200, post("/ingest", Traffic.scan("10.66.6.6", "192.0.2.50").toString()).statusCode());
                    } catch (IOException | InterruptedException e) {
                        throw new AssertionError(e);
                    }
                    sent[0] = System.nanoTime();
                }
                return get("/api/alerts").contains("10.66.6.6");
            });
        }
        // the traffic mix after the scan, so that the newest records (live feed, first log page) are the mix
        for (int i = 0; i < 6; i++) {
            HttpResponse<String> r = post("/ingest", Traffic.batch(500, i).toString());
            assertEquals(200, r.statusCode(), r.body());
        }
        // a failed sign-in whose user name is hostile text: it lands in the events log
        post("/api/auth/login", "{\"user\":" + new com.google.gson.Gson().toJson(Traffic.HOSTILE) + ",\"password\":\"x\"}");
        await("hosts in /api/top_ips", 30_000, () -> get("/api/top_ips").contains("\"address\""));

        screenshots = Paths.get(System.getProperty("flowlens.screenshots", "target/screenshots"));
        Files.createDirectories(screenshots);
        ChromeOptions options = new ChromeOptions();
        options.setBinary("/usr/bin/chromium");
        Path profile = Files.createTempDirectory(work, "chromium-profile");
        options.addArguments("--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                "--disable-sync", "--no-first-run", "--user-data-dir=" + profile, "--window-size=1400,1000", "--lang=zh-CN");
        options.setExperimentalOption("prefs", Map.of("intl.accept_languages", "zh-CN,zh"));
        ChromeDriverService service = new ChromeDriverService.Builder().usingDriverExecutable(new File("/usr/bin/chromedriver")).usingAnyFreePort().build();
        driver = new ChromeDriver(service, options);
        driver.manage().timeouts().scriptTimeout(Duration.ofSeconds(20));
    }

    @AfterAll
    void stop() throws Exception {
        if (driver != null) {
            driver.quit();
        }
        if (runtime != null) {
            runtime.destroy();
            if (!runtime.waitFor(20, TimeUnit.SECONDS)) {
                runtime.destroyForcibly();
            }
        }
    }

    @Test
    @Order(1)
    void theConsoleFollowsTheBrowserLanguageAndSwitches() throws Exception {
        long t0 = System.nanoTime();
        driver.get(base + "/");
        page("overview");
        double firstRender = ((Number) js("return window.flowlensFirstRender")).doubleValue();
        System.out.printf("first render of the overview: %.0f ms after navigation start (%d ms wall clock incl. redirect and data)%n", firstRender,
                TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0));
        assertEquals("概览", nav("overview"), "a browser asking for Chinese gets the Chinese console");
        shot("overview-zh-CN");
        driver.findElement(By.id("lang")).click();
        page("overview");
        assertEquals("Overview", nav("overview"));
        assertEquals("en", js("return document.documentElement.lang"));
        driver.navigate().refresh();
        page("overview");
        assertEquals("Overview", nav("overview"), "the choice is kept");
    }

    @Test
    @Order(2)
    void everyPageLoadsWithDataAndRendersItsCharts() throws Exception {
        for (String p : PAGES) {
            driver.get(base + "/console/#/" + p);
            page(p);
            if (p.equals("live")) {
                // both feeds update the page: the flow log and the live sessions
                new WebDriverWait(driver, Duration.ofSeconds(30)).until(d -> !d.findElements(By.cssSelector("table.live tbody tr td a.ip")).isEmpty()
                        && !d.findElements(By.cssSelector("#page-live table.sessions tbody tr td a.ip")).isEmpty());
            }
            List<WebElement> charts = driver.findElements(By.cssSelector("#page-" + p + " .chart"));
            new WebDriverWait(driver, Duration.ofSeconds(20)).until(d -> charts.stream().allMatch(c -> "1".equals(c.getDomAttribute("data-rendered"))));
            for (WebElement c : charts) {
                assertTrue(c.findElements(By.tagName("canvas")).size() > 0, p + ": a chart has no canvas");
            }
            int rows = driver.findElements(By.cssSelector("#page-" + p + " tbody tr td")).size();
            String errors = String.join(" | ", driver.findElements(By.cssSelector("#page-" + p + " .error")).stream().map(WebElement::getText).toList());
            switch (p) {
                case "overview", "trend" -> assertFalse(charts.isEmpty(), p + ": no chart");
                case "alerts" -> assertTrue(rows > 0 || errors.contains("alert service"), p + ": neither alerts nor a clear message: " + errors);
                default -> assertTrue(rows > 1, p + ": no data rows; errors: " + errors);
            }
            if (!p.equals("alerts")) {
                assertTrue(errors.isEmpty(), p + ": " + errors);
            }
            shot(p);
            if (p.equals("alerts") && !driver.findElements(By.cssSelector("table.alerts-active button.ack")).isEmpty()) {
                // the open loopback console is an administrator: acknowledge the scan alert
                driver.findElement(By.cssSelector("table.alerts-active button.ack")).click();
                new WebDriverWait(driver, Duration.ofSeconds(20)).until(d -> get("/api/alerts").contains("\"by\":\"anonymous\""));
                page("alerts");
                shot("alerts-acknowledged");
            }
        }
        driver.get(base + "/console/#/ip/10.0.1.5");
        page("ip");
        shot("ip-drill-down");
    }

    @Test
    @Order(3)
    void hostileTextFromTheNetworkIsShownAsText() throws Exception {
        for (String p : new String[] {"logs", "live", "events"}) {
            driver.get(base + "/console/#/" + p + (p.equals("logs") ? "?dst_port=" + Traffic.HOSTILE_PORT : ""));
            page(p);
            if (p.equals("live")) {
                new WebDriverWait(driver, Duration.ofSeconds(20)).until(d -> !d.findElements(By.cssSelector("table.live tbody tr")).isEmpty());
            }
            String shown = (String) js("for (const td of document.querySelectorAll('td')) { if (td.textContent.includes('<script>alert(1)')) return td.textContent; } return null;");
            assertTrue(shown != null && shown.contains("<script>alert(1)</script>\"'"), p + ": the hostile text is not shown as text: " + shown);
            String title = (String) js("for (const td of document.querySelectorAll('td[title]')) { if (td.getAttribute('title').startsWith('<script>')) return td.getAttribute('title'); } return null;");
            if (!p.equals("events")) {
                assertEquals(Traffic.HOSTILE, title, p + ": the full name is kept as the cell's title");
            }
            assertEquals(0L, js("return document.querySelectorAll('main img, main script').length"), p + ": markup from the network became elements");
            try {
                driver.switchTo().alert();
                throw new AssertionError(p + ": a script from the network ran");
            } catch (NoAlertPresentException expected) {
                // nothing ran
            }
            shot("hostile-" + p);
        }
    }

    private void page(String name) {
        new WebDriverWait(driver, Duration.ofSeconds(30)).until(d -> name.equals(js("return document.body.getAttribute('data-page')"))
                && "1".equals(js("return document.body.getAttribute('data-ready')")));
    }

    private String nav(String page) {
        return driver.findElement(By.cssSelector("nav a[data-nav='" + page + "']")).getText();
    }

    private Object js(String script) {
        return ((JavascriptExecutor) driver).executeScript(script);
    }

    private void shot(String name) throws IOException {
        File f = ((TakesScreenshot) driver).getScreenshotAs(OutputType.FILE);
        Files.copy(f.toPath(), screenshots.resolve(name + ".png"), StandardCopyOption.REPLACE_EXISTING);
    }

    private static boolean contains(Path jar, String name) throws IOException {
        try (JarFile j = new JarFile(jar.toFile())) {
            return j.stream().anyMatch(e -> e.getName().startsWith("jar/" + name + "-"));
        }
    }

    private int status(String path) {
        try {
            return http.send(HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(5)).GET().build(), HttpResponse.BodyHandlers.discarding()).statusCode();
        } catch (IOException e) {
            return -1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return -1;
        }
    }

    private String get(String path) {
        try {
            return http.send(HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(5)).GET().build(), HttpResponse.BodyHandlers.ofString()).body();
        } catch (IOException e) {
            return "";
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "";
        }
    }

    private HttpResponse<String> post(String path, String json) throws IOException, InterruptedException {
        return http.send(HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(10)).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(json)).build(), HttpResponse.BodyHandlers.ofString());
    }

    private void await(String what, long millis, BooleanSupplier condition) {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(millis);
        while (!condition.getAsBoolean()) {
            if (!runtime.isAlive()) {
                throw new AssertionError("the runtime exited with " + runtime.exitValue() + " while waiting for " + what);
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out after " + millis + " ms waiting for " + what);
            }
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(100));
        }
    }

    private static void delete(Path dir) throws IOException {
        if (Files.exists(dir)) {
            try (Stream<Path> walk = Files.walk(dir)) {
                List<Path> all = new ArrayList<>(walk.sorted(Comparator.reverseOrder()).toList());
                for (Path p : all) {
                    Files.delete(p);
                }
            }
        }
    }
}
