// The Vant components the app uses, each with its own CSS, instead of the whole library
// (app.use(Vant) with vant/lib/index.css): the sign-in page's initial JavaScript and CSS stay
// within the 150 KB gzipped. A component missing here renders as an unknown element:
// add it to the list when a page starts using it.
import type { App } from "vue";
import {
  Button,
  Cell,
  CellGroup,
  Empty,
  Field,
  Form,
  Icon,
  Loading,
  NavBar,
  Step,
  Steps,
  Tab,
  Tabbar,
  TabbarItem,
  Tabs,
  Tag,
} from "vant";
import "vant/es/button/style/index";
import "vant/es/cell/style/index";
import "vant/es/cell-group/style/index";
import "vant/es/empty/style/index";
import "vant/es/field/style/index";
import "vant/es/form/style/index";
import "vant/es/icon/style/index";
import "vant/es/loading/style/index";
import "vant/es/nav-bar/style/index";
import "vant/es/step/style/index";
import "vant/es/steps/style/index";
import "vant/es/tab/style/index";
import "vant/es/tabbar/style/index";
import "vant/es/tabbar-item/style/index";
import "vant/es/tabs/style/index";
import "vant/es/tag/style/index";
import "vant/es/toast/style/index";

const COMPONENTS = [Button, Cell, CellGroup, Empty, Field, Form, Icon, Loading, NavBar, Step, Steps, Tab, Tabbar, TabbarItem, Tabs, Tag];

export function useVant(app: App): void {
  COMPONENTS.forEach((component) => app.use(component));
}
