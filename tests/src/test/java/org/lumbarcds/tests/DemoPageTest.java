package org.lumbarcds.tests;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The landing page in headless Chromium (Debian's {@code chromium} and {@code chromium-driver}): it
 * says what the server is, its button loads the demo, the seven cases appear each with its card,
 * and a card's viewer link opens the viewer page with the radiographs. Screenshots are saved to
 * {@code tests/target/demo/}.
 */
@Tag("chromium")
class DemoPageTest extends ServerTestBase {

  @Test
  void theButtonLoadsTheCasesAndACardsLinkOpensTheViewerWithTheRadiographs() throws Exception {
    WebDriver browser = ViewerTest.browser();
    try {
      browser.get("http://127.0.0.1:" + port + "/");
      assertThat(browser.findElement(By.id("banner")).getText())
          .contains("Not a medical device")
          .contains("synthetic phantom radiographs");
      assertThat(browser.findElement(By.id("model")).getText()).contains("version");

      WebElement button = browser.findElement(By.id("load-demo"));
      assertThat(button.getText()).isEqualTo("Load the demo cases");
      button.click();
      new WebDriverWait(browser, Duration.ofMinutes(5))
          .until(
              d -> {
                String state = d.findElement(By.tagName("body")).getDomAttribute("data-demo");
                return "done".equals(state) || "failed".equals(state);
              });
      assertThat(browser.findElement(By.tagName("body")).getDomAttribute("data-demo"))
          .as(browser.findElement(By.id("demo-error")).getText())
          .isEqualTo("done");

      List<WebElement> cases = browser.findElements(By.cssSelector("#cases .case"));
      assertThat(cases).hasSize(7);
      for (WebElement c : cases) {
        assertThat(c.findElements(By.cssSelector(".cds-card"))).as(c.getText()).hasSize(1);
        assertThat(c.findElement(By.cssSelector(".cds-card .summary")).getText()).isNotBlank();
      }
      WebElement redFlag = browser.findElement(By.cssSelector(".case[data-case='red-flag']"));
      assertThat(redFlag.findElement(By.cssSelector(".cds-card")).getDomAttribute("class"))
          .contains("critical");
      assertThat(browser.findElements(By.cssSelector("#studies tbody tr"))).hasSize(11);

      Path shots = Path.of("target", "demo");
      Files.createDirectories(shots);
      Files.write(
          shots.resolve("landing.png"),
          ((TakesScreenshot) browser).getScreenshotAs(OutputType.BYTES));

      // the likely case's card links to its result's viewer page, which draws the radiographs
      WebElement link =
          browser.findElement(
              By.cssSelector(".case[data-case='likely-long-symptoms'] .cds-card a.card-link"));
      assertThat(link.getDomAttribute("href")).contains("/viewer/").contains("#access=");
      link.click();
      new WebDriverWait(browser, Duration.ofSeconds(90))
          .until(
              d ->
                  "views".equals(d.findElement(By.tagName("body")).getDomAttribute("data-loaded")));
      List<WebElement> canvases = browser.findElements(By.cssSelector(".stage canvas"));
      assertThat(canvases).hasSize(3);
      for (WebElement canvas : canvases) {
        assertThat(Integer.parseInt(canvas.getDomProperty("width"))).isPositive();
      }
      assertThat(browser.findElements(By.cssSelector(".heatmap"))).hasSize(3);
      Files.write(
          shots.resolve("viewer.png"),
          ((TakesScreenshot) browser).getScreenshotAs(OutputType.BYTES));
    } finally {
      browser.quit();
    }
  }
}
