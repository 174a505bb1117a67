import { describeBridge } from './bridge-scenarios.js';

describeBridge('typescript-sdk-7.0');
